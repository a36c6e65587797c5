//! Issue #16, point 6, over real TCP: the simulator serves this computer's programs only.
//! A foreign `Host` gets 421, a foreign `Origin` 403 (WebSocket upgrades included), a body
//! that is not JSON 415, and an admin route without the run's token 401.

mod common;

use common::{TestSim, scenario};
use polyagent_simulator::server::{SimConfig, SimServer};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test]
async fn only_this_computers_programs_are_served() {
    let sim = SimServer::start(SimConfig::manual(scenario(), common::START_MS))
        .await
        .unwrap();
    let base = sim.base_url();
    let port = sim.addr.port();
    let http = reqwest::Client::new();
    let status = |response: reqwest::Response| response.status().as_u16();

    // A plain read from a program: served.
    assert_eq!(
        status(http.get(format!("{base}/time")).send().await.unwrap()),
        200
    );
    // DNS rebinding: the page's own name pointed at 127.0.0.1.
    let rebound = http
        .get(format!("{base}/time"))
        .header("Host", format!("evil.example:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(status(rebound), 421);
    // A web page's request.
    let cross_site = http
        .get(format!("{base}/time"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(status(cross_site), 403);
    // A "simple" cross-site POST (text/plain, no preflight), even with the token.
    let csrf = http
        .post(format!("{base}/admin/price"))
        .bearer_auth(sim.admin_token())
        .header("Content-Type", "text/plain")
        .body(r#"{"slug":"test-market","price":"0.9"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(status(csrf), 415);
    // The admin routes without, or with a wrong, token.
    for token in [None, Some("0".repeat(64))] {
        let mut request = http.get(format!("{base}/admin/state"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        assert_eq!(status(request.send().await.unwrap()), 401);
    }
    let allowed = http
        .get(format!("{base}/admin/state"))
        .bearer_auth(sim.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(status(allowed), 200);

    // WebSockets: a program connects; a web page's upgrade is refused.
    let url = format!("{}/market", sim.ws_url());
    assert!(tokio_tungstenite::connect_async(&url).await.is_ok());
    let mut request = url.as_str().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Origin", "https://evil.example".parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 403);
        }
        other => panic!("a foreign origin's upgrade was not refused: {other:?}"),
    }
}

#[tokio::test]
async fn each_run_has_its_own_token() {
    let (a, b) = (TestSim::start().await, TestSim::start().await);
    assert_ne!(a.server.admin_token(), b.server.admin_token());
    assert_eq!(a.server.admin_token().len(), 64);
}
