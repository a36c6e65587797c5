//! The step-up rules: what counts as a raise, what a question says, and how asking behaves.

use super::*;

fn dec(text: &str) -> Decimal {
    Decimal::from_str_exact(text).unwrap()
}

#[test]
fn only_limits_that_go_up_are_raises() {
    let old = DailyLimits::default();
    assert!(raised_daily_limits(&old, &old).is_empty());
    let lower = DailyLimits {
        max_daily_loss: dec("10"),
        max_trades_per_day: 1,
        max_exposure_per_bot: dec("1"),
        max_exposure_total: dec("1"),
    };
    assert!(raised_daily_limits(&old, &lower).is_empty());
    let higher = DailyLimits {
        max_daily_loss: dec("50.01"),
        max_trades_per_day: 101,
        ..lower
    };
    assert_eq!(
        raised_daily_limits(&old, &higher),
        [
            Raise::MaxDailyLoss {
                from: dec("50"),
                to: dec("50.01")
            },
            Raise::MaxTradesPerDay { from: 100, to: 101 },
        ]
    );

    let params = TradingParams::defaults();
    assert!(raised_bot_limits(&params, &params).is_empty());
    let riskier = TradingParams {
        trade_size: params.trade_size + Decimal::ONE,
        stop_loss_pct: params.stop_loss_pct + Decimal::ONE,
        max_hold_secs: params.max_hold_secs + 1,
        trade_both_sides: true,
        // Not limits: how it trades, not how much it may lose.
        take_profit_pct: params.take_profit_pct + Decimal::ONE,
        cooldown_secs: 0,
        ..params.clone()
    };
    assert_eq!(raised_bot_limits(&params, &riskier).len(), 4);
    assert!(raised_bot_limits(&riskier, &params).is_empty());
    assert_eq!(
        raised_bot_limits(&nothing(&params), &params).len(),
        3,
        "from nothing, every amount is a raise"
    );
}

#[test]
fn a_question_names_the_facts_and_quotes_what_others_chose() {
    let start = GuardedAction::StartLiveBot(LiveBotStart {
        bot_id: None,
        name: "Paper only\u{202e} (no real money)".into(),
        how: StartKind::CreateAndStart,
        wallet: "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266".into(),
        exchange: ExchangeChoice::Polymarket,
        question: "Will it rain?".into(),
        outcome: "Yes".into(),
        trade_size: dec("10.00"),
        max_daily_loss: dec("50"),
    });
    let question = start.question();
    assert_eq!(question.title, "Create and start a live bot?");
    assert!(
        question.body.contains("on Polymarket (real money)"),
        "{}",
        question.body
    );
    assert!(
        question
            .body
            .contains("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")
    );
    assert!(
        question.body.contains("10 pUSD an order"),
        "{}",
        question.body
    );
    assert!(question.body.contains("at most 50 pUSD lost a day"));
    // The name is quoted, its direction character escaped.
    assert!(
        question
            .body
            .contains(r#""Paper only\u{202e} (no real money)""#),
        "{}",
        question.body
    );
    assert_eq!(start.guard(), Guard::Confirmation);

    let switch = GuardedAction::SwitchExchange {
        from: ExchangeChoice::Demo,
        to: ExchangeChoice::Simulator {
            url: "http://127.0.0.1:4100".into(),
        },
    };
    assert!(switch.question().body.starts_with(
        "Switch the exchange from the built-in demo to the simulator at http://127.0.0.1:4100?"
    ));
    let raise = GuardedAction::RaiseDailyLimits {
        raised: vec![Raise::MaxDailyLoss {
            from: dec("50"),
            to: dec("500"),
        }],
    };
    assert!(
        raise
            .question()
            .body
            .ends_with("• maximum loss a day: 50 → 500 pUSD")
    );
    for passphrase in [
        GuardedAction::DeleteWallet {
            address: "0x1".into(),
        },
        GuardedAction::ExportWalletKey {
            address: "0x1".into(),
        },
    ] {
        assert_eq!(passphrase.guard(), Guard::Passphrase);
    }
}

/// A user who is asked (`asked` hears of it) and answers when the test says so.
#[derive(Debug)]
struct Gate {
    asked: tokio::sync::mpsc::UnboundedSender<()>,
    answer: tokio::sync::Mutex<Option<tokio::sync::oneshot::Receiver<Confirmation>>>,
}

impl Confirmer for Gate {
    fn confirm<'a>(&'a self, _action: &'a GuardedAction) -> Answer<'a> {
        Box::pin(async move {
            let _ = self.asked.send(());
            let answer = self.answer.lock().await.take();
            match answer {
                Some(answer) => answer.await.unwrap_or(Confirmation::Declined),
                None => Confirmation::Declined,
            }
        })
    }
}

#[tokio::test]
async fn one_question_at_a_time_and_a_trip_meanwhile_is_not_undone() {
    let dir = tempfile::tempdir().unwrap();
    let (asked_tx, mut asked) = tokio::sync::mpsc::unbounded_channel();
    let (answer, answer_rx) = tokio::sync::oneshot::channel();
    let mut config = crate::RuntimeConfig::new(dir.path());
    config.vault = polyagent_vault::VaultConfig::new(dir.path()).no_keychain();
    config.confirmer = std::sync::Arc::new(Gate {
        asked: asked_tx,
        answer: tokio::sync::Mutex::new(Some(answer_rx)),
    });
    let runtime = crate::Runtime::open(config).await.unwrap();
    runtime.trip_killswitch("first").await.unwrap();
    let arming = tokio::spawn({
        let runtime = runtime.clone();
        async move { runtime.arm_killswitch().await }
    });
    asked.recv().await.expect("the user is asked");

    // While that question is open, another guarded call is not asked at all.
    let raised = DailyLimits {
        max_daily_loss: dec("500"),
        ..DailyLimits::default()
    };
    let error = runtime.set_daily_limits(raised).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::ConfirmationDeclined);
    assert_eq!(runtime.daily_limits(), DailyLimits::default());
    assert!(asked.try_recv().is_err(), "only one question");

    // Tripped again before the user says yes to the first: it stays tripped.
    runtime.trip_killswitch("second").await.unwrap();
    answer.send(Confirmation::Confirmed).unwrap();
    let error = arming.await.unwrap().unwrap_err();
    assert_eq!(error.code, ErrorCode::Conflict);
    let state = runtime.killswitch_state();
    assert!(state.tripped);
    assert_eq!(state.reason.as_deref(), Some("second"));
    runtime.shutdown(false).await;
}

#[tokio::test]
async fn the_default_confirmer_declines_and_the_cli_s_confirms() {
    let action = GuardedAction::ArmKillswitch {
        tripped_because: "x".into(),
    };
    assert_eq!(NobodyToAsk.confirm(&action).await, Confirmation::Declined);
    assert_eq!(TypedCommand.confirm(&action).await, Confirmation::Confirmed);
    let config = crate::RuntimeConfig::new("/nowhere");
    assert_eq!(
        config.confirmer.confirm(&action).await,
        Confirmation::Declined,
        "fail closed: a shell that installs no confirmer cannot spend"
    );
}
