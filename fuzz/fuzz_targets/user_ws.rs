//! User WebSocket frames: order and trade events, read as the wallet's user feed reads them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polyagent_venue::user_ws::{UserFrameItem, read_user_frame};

fuzz_target!(|data: &[u8]| {
    // WebSocket text frames are UTF-8 by protocol; tungstenite refuses anything else.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for item in read_user_frame(text) {
        match item {
            UserFrameItem::Trade(trade) => {
                // What the settlement watcher does with a trade: its notional.
                let _ = trade.size.checked_mul(trade.price);
            }
            UserFrameItem::Order(order) => {
                let _ = order.original_size.checked_sub(order.size_matched);
            }
        }
    }
});
