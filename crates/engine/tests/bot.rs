//! One bot end to end: strategy → risk → paper fills → ledger, on an injected clock.

use polyagent_domain::trading::TickSize;
use polyagent_engine::Timestamp;
use polyagent_engine::bot::{BotEngine, BotStatus, Lifecycle, ManualOrder, PauseReason};
use polyagent_engine::config::{BotSpec, Overrides, Profile};
use polyagent_engine::event::{Action, Event, Leg, OrderRequest, Quote, Side};
use polyagent_engine::paper::{Book, FeeCurve, PaperAccount};
use polyagent_engine::risk::{GlobalView, Killswitch, Others};
use polyagent_engine::strategy::AnyStrategy;
use polyagent_engine::strategy::train::Phase;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

const T0: i64 = 1_783_728_000; // 2026-07-11 00:00:00 UTC

struct Harness {
    bot: BotEngine,
    account: PaperAccount,
    global: GlobalView,
    /// Every action, with the second it happened at.
    actions: Vec<(i64, Action)>,
    fills: Vec<polyagent_engine::event::Fill>,
}

impl Harness {
    fn new(strategy: &str, overrides: Overrides, fees: FeeCurve) -> Self {
        let spec = BotSpec {
            name: "test".into(),
            wallet: "paper".into(),
            token_id: "11".into(),
            complement_token_id: Some("22".into()),
            strategy: strategy.into(),
            profile: Profile::Normal,
            overrides,
        };
        let mut bot = BotEngine::new(spec.resolve().unwrap()).unwrap();
        bot.command(&Lifecycle::Start, Timestamp::from_secs(T0))
            .unwrap();
        Self {
            bot,
            account: PaperAccount::new(d("1000"), fees, TickSize::Hundredth),
            global: GlobalView::default(),
            actions: Vec::new(),
            fills: Vec::new(),
        }
    }

    /// A tick at `T0 + secs` with the given bid and ask (the displayed price is the mid).
    fn tick(&mut self, secs: i64, bid: &str, ask: &str) -> Vec<Action> {
        let (bid, ask) = (d(bid), d(ask));
        let quote = Quote {
            price: (bid + ask) / Decimal::TWO,
            bid: Some(bid),
            ask: Some(ask),
        };
        let book = Book::top(Some(bid), Some(ask), d("1000"));
        // A resting order meets the new book once the bot has seen its quote.
        let mut all = self.feed(secs, Event::Tick(quote), &book);
        if let Some((_, fill)) = self.account.on_book(&book) {
            all.extend(self.feed(secs, fill, &book));
        }
        all
    }

    fn feed(&mut self, secs: i64, event: Event, book: &Book) -> Vec<Action> {
        let now = Timestamp::from_secs(T0 + secs);
        let mut all = Vec::new();
        let mut pending = vec![event];
        while let Some(event) = pending.pop() {
            if let Event::Fill(f) = &event {
                self.fills.push(f.clone());
            }
            for action in self.bot.on_event(&self.global, &event, now) {
                match &action {
                    Action::Place(order) => pending.extend(self.account.place(order, book)),
                    Action::Cancel { order } => pending.extend(self.account.cancel(*order)),
                    _ => {}
                }
                self.actions.push((secs, action.clone()));
                all.push(action);
            }
        }
        all
    }

    /// A calm market: `minutes` one-minute ticks at `bid`/`ask`.
    fn calm(&mut self, from: i64, minutes: i64, bid: &str, ask: &str) {
        for m in 0..minutes {
            let placed = orders(&self.tick(from + m * 60, bid, ask));
            assert!(placed.is_empty(), "a calm market traded: {placed:?}");
        }
    }
}

fn orders(actions: &[Action]) -> Vec<OrderRequest> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Place(o) => Some(o.clone()),
            _ => None,
        })
        .collect()
}

fn has_text(actions: &[Action], needle: &str) -> bool {
    actions
        .iter()
        .any(|a| matches!(a, Action::Activity(x) if x.text.contains(needle)))
}

/// Spike Sam flat at 0.50 for 30 minutes, then a drop to 0.47: it buys 5 pUSD at 0.48.
fn bought_the_dip() -> Harness {
    let mut h = Harness::new("spike-sam", Overrides::default(), FeeCurve::FREE);
    h.calm(0, 30, "0.49", "0.51");
    let placed = orders(&h.tick(1800, "0.46", "0.48"));
    assert_eq!(placed.len(), 1, "{:?}", h.actions);
    assert_eq!(
        (
            placed[0].side,
            placed[0].leg,
            placed[0].size,
            placed[0].limit
        ),
        (Side::Buy, Leg::Primary, d("5"), d("0.48"))
    );
    assert!(
        placed[0].reason.contains("spike -6"),
        "{}",
        placed[0].reason
    );
    let pos = h.bot.ledger().position().unwrap();
    assert_eq!((pos.shares, pos.notional), (d("10.41"), d("4.9968")));
    h
}

#[test]
fn a_spike_down_buys() {
    bought_the_dip();
}

#[test]
fn a_spike_inside_a_volatile_window_is_ignored() {
    let mut h = Harness::new("spike-sam", Overrides::default(), FeeCurve::FREE);
    for m in 0..30 {
        let (bid, ask) = if m % 2 == 0 {
            ("0.44", "0.46")
        } else {
            ("0.54", "0.56")
        };
        h.tick(m * 60, bid, ask);
    }
    assert!(orders(&h.tick(1800, "0.39", "0.41")).is_empty());
    assert!(h.bot.ledger().position().is_none());
}

#[test]
fn take_profit_fires_on_the_first_tick_past_it() {
    let mut h = bought_the_dip();
    // TP 5 %: the mark must reach 4.9968 × 1.05 / 10.41 = 0.504.
    assert!(
        orders(&h.tick(1860, "0.49", "0.51")).is_empty(),
        "0.50 is +4.17 %"
    );
    let sold = orders(&h.tick(1920, "0.50", "0.51"));
    assert_eq!(sold.len(), 1);
    assert_eq!(
        (sold[0].side, sold[0].size, sold[0].limit),
        (Side::Sell, d("10.41"), d("0.50"))
    );
    assert!(
        sold[0].reason.starts_with("take profit at +5.21%"),
        "{}",
        sold[0].reason
    );
    assert!(h.bot.ledger().position().is_none());
    // 10.41 × (0.50 − 0.48)
    assert_eq!(h.bot.ledger().total().realized_pnl, d("0.2082"));
}

#[test]
fn stop_loss_fires_on_the_first_tick_past_it() {
    let mut h = bought_the_dip();
    assert!(
        orders(&h.tick(1860, "0.46", "0.48")).is_empty(),
        "0.47 is −2.08 %"
    );
    let sold = orders(&h.tick(1920, "0.46", "0.47"));
    assert_eq!(sold.len(), 1);
    assert!(
        sold[0].reason.starts_with("stop loss at -3.12"),
        "{}",
        sold[0].reason
    );
    assert_eq!(h.bot.ledger().total().trades, 1);
    assert_eq!(h.bot.ledger().total().wins, 0);
}

#[test]
fn time_exit_fires_after_max_hold_and_not_before() {
    let mut h = bought_the_dip();
    for s in (1860..5400).step_by(60) {
        assert!(
            orders(&h.tick(s, "0.47", "0.48")).is_empty(),
            "sold early at {s}"
        );
    }
    assert!(orders(&h.tick(5399, "0.47", "0.48")).is_empty());
    let sold = orders(&h.tick(5400, "0.47", "0.48"));
    assert_eq!(sold.len(), 1);
    assert_eq!(sold[0].reason, "time exit after 3600 s");
}

#[test]
fn a_timer_fires_the_time_exit_in_a_silent_market() {
    let mut h = bought_the_dip();
    let book = Book::top(Some(d("0.47")), Some(d("0.48")), d("1000"));
    assert!(orders(&h.feed(5399, Event::Timer, &book)).is_empty());
    assert_eq!(orders(&h.feed(5400, Event::Timer, &book)).len(), 1);
}

#[test]
fn cooldown_holds_new_entries_after_a_trade() {
    let mut h = bought_the_dip();
    orders(&h.tick(1920, "0.46", "0.47")); // stop loss at T+1920
    h.tick(1940, "0.46", "0.47");
    h.tick(1960, "0.46", "0.47");
    let blocked = h.tick(1980, "0.43", "0.45"); // −5.4 %: a fresh spike
    assert!(orders(&blocked).is_empty());
    assert!(
        has_text(&blocked, "not buying: cooling down"),
        "{blocked:?}"
    );
    for s in [2000, 2020, 2039] {
        assert!(
            orders(&h.tick(s, "0.43", "0.45")).is_empty(),
            "bought during cooldown at {s}"
        );
    }
    let placed = orders(&h.tick(2040, "0.43", "0.45"));
    assert_eq!(placed.len(), 1, "the cooldown (120 s from 1920) is over");
    assert_eq!(placed[0].side, Side::Buy);
}

#[test]
fn train_of_trade_cycles_buy_target_sell_target_and_repeats() {
    let fees = FeeCurve {
        rate: d("0.02"),
        exponent: 1,
    };
    let mut h = Harness::new("train-of-trade", Overrides::default(), fees);
    let phase = |h: &Harness| match h.bot.strategy() {
        AnyStrategy::TrainOfTrade(t) => t.phase(),
        other => panic!("{other:?}"),
    };
    h.tick(0, "0.49", "0.51");
    assert_eq!(phase(&h), Phase::WantToBuy { target: d("0.485") });
    assert!(
        orders(&h.tick(60, "0.48", "0.50")).is_empty(),
        "0.49 is above 0.485"
    );
    // Mid 0.485: bought at the 0.49 ask, marked −2.02 % with the fee: inside the stop loss.
    let buy = orders(&h.tick(120, "0.48", "0.49"));
    assert_eq!(
        (buy.len(), buy[0].side, buy[0].limit),
        (1, Side::Buy, d("0.49"))
    );
    // 10.20 shares at 0.49: sell target 0.49 × 1.05.
    assert_eq!(
        phase(&h),
        Phase::HaveBought {
            target: d("0.5145")
        }
    );
    assert!(
        orders(&h.tick(180, "0.50", "0.52")).is_empty(),
        "0.51 is below the target"
    );
    // At 0.515 the target is reached; with the fee the P&L is +4.04 %, so risk's TP has not.
    let sell = orders(&h.tick(240, "0.51", "0.52"));
    assert_eq!((sell.len(), sell[0].side), (1, Side::Sell));
    assert!(sell[0].reason.contains("sell target"), "{}", sell[0].reason);
    assert!(matches!(phase(&h), Phase::WantToBuy { .. }));
    // Cooldown, then the next buy target (0.515 × 0.97 = 0.49955).
    assert!(
        orders(&h.tick(300, "0.48", "0.50")).is_empty(),
        "cooling down"
    );
    let again = orders(&h.tick(360, "0.48", "0.50"));
    assert_eq!((again.len(), again[0].side), (1, Side::Buy));
    let targets = h
        .actions
        .iter()
        .filter(|(_, a)| matches!(a, Action::Target(Some(_))))
        .count();
    assert_eq!(targets, 4, "buy, sell, buy, sell targets");
    assert_eq!(h.bot.ledger().total().trades, 1);
    assert_eq!(h.bot.ledger().total().wins, 1);
}

#[test]
fn pnl_equals_what_the_fills_imply_to_the_cent() {
    let fees = FeeCurve {
        rate: d("0.02"),
        exponent: 1,
    };
    let mut h = Harness::new("train-of-trade", Overrides::default(), fees);
    let path = [
        ("0.49", "0.51"),
        ("0.47", "0.49"),
        ("0.51", "0.52"),
        ("0.48", "0.50"),
        ("0.45", "0.47"),
        ("0.44", "0.46"),
        ("0.47", "0.48"),
        ("0.50", "0.52"),
    ];
    for (i, (bid, ask)) in path.iter().cycle().take(80).enumerate() {
        h.tick(i as i64 * 150, bid, ask);
    }
    let mut implied = Decimal::ZERO;
    for f in &h.fills {
        implied += match f.side {
            Side::Buy => -f.notional - f.fee,
            Side::Sell => f.notional - f.fee,
        };
    }
    let ledger = h.bot.ledger();
    assert!(ledger.total().trades >= 2, "{:?}", ledger.total());
    let open = ledger.exposure();
    assert_eq!(
        (ledger.total().realized_pnl - open).round_dp(2),
        implied.round_dp(2)
    );
    assert_eq!(
        h.account.cash - d("1000"),
        implied,
        "the paper balance moved by the fills"
    );
    let fees_paid: Decimal = h.fills.iter().map(|f| f.fee).sum();
    assert_eq!(ledger.total().fees, fees_paid);
    let report = h.bot.report(Timestamp::from_secs(T0 + 80 * 150));
    assert_eq!(report.today, ledger.total().clone(), "all on one UTC day");
    let tomorrow = h.bot.report(Timestamp::from_secs(T0 + 86_400));
    assert_eq!(tomorrow.today.fills, 0, "a new UTC day starts from zero");
}

#[test]
fn trading_both_sides_buys_the_other_outcome_on_a_spike_up() {
    let o = Overrides {
        trade_both_sides: Some(true),
        ..Overrides::default()
    };
    let mut h = Harness::new("spike-sam", o, FeeCurve::FREE);
    h.calm(0, 30, "0.49", "0.51");
    let placed = orders(&h.tick(1800, "0.52", "0.54"));
    assert_eq!(placed.len(), 1);
    // The other outcome's ask is 1 − our bid.
    assert_eq!(
        (placed[0].leg, placed[0].limit),
        (Leg::Complement, d("0.48"))
    );
    assert_eq!(h.account.complement, d("10.41"));
    // A drop on our side is a rise on theirs: fade it by selling.
    let sold = orders(&h.tick(1860, "0.52", "0.53"));
    assert!(sold.is_empty() || sold[0].leg == Leg::Complement);
}

#[test]
fn daily_loss_pauses_until_the_next_utc_day() {
    let mut h = Harness::new("spike-sam", Overrides::default(), FeeCurve::FREE);
    h.global.others = Others {
        realized_pnl_today: d("-50"),
        ..Others::default()
    };
    let acts = h.tick(0, "0.49", "0.51");
    assert!(
        acts.iter()
            .any(|a| matches!(a, Action::Paused { reason } if reason.contains("daily loss 50"))),
        "{acts:?}"
    );
    assert!(matches!(
        h.bot.status(),
        BotStatus::Paused {
            reason: PauseReason::DailyLimit { .. }
        }
    ));
    h.global.others = Others::default();
    let acts = h.tick(86_400, "0.49", "0.51");
    assert!(acts.iter().any(|a| matches!(a, Action::Resumed { .. })));
    assert_eq!(h.bot.status(), &BotStatus::Running);
}

#[test]
fn a_tripped_killswitch_places_nothing() {
    let mut h = Harness::new("spike-sam", Overrides::default(), FeeCurve::FREE);
    h.calm(0, 30, "0.49", "0.51");
    h.global.killswitch = Killswitch::Tripped {
        reason: "user pressed stop".into(),
        at: Timestamp::from_secs(T0),
    };
    let acts = h.tick(1800, "0.46", "0.48");
    assert!(orders(&acts).is_empty());
    assert!(has_text(&acts, "killswitch tripped: user pressed stop"));
}

#[test]
fn stopped_bots_place_nothing_and_the_lifecycle_follows_its_table() {
    let mut h = Harness::new("spike-sam", Overrides::default(), FeeCurve::FREE);
    h.calm(0, 30, "0.49", "0.51");
    h.bot
        .command(&Lifecycle::Stop, Timestamp::from_secs(T0))
        .unwrap();
    assert!(orders(&h.tick(1800, "0.46", "0.48")).is_empty());
    assert!(
        h.bot
            .command(&Lifecycle::Resume, Timestamp::from_secs(T0))
            .is_err()
    );

    let all = [
        Lifecycle::Start,
        Lifecycle::Stop,
        Lifecycle::Pause,
        Lifecycle::Resume,
        Lifecycle::Fail {
            message: "x".into(),
        },
    ];
    let statuses = [
        BotStatus::Created,
        BotStatus::Stopped,
        BotStatus::Running,
        BotStatus::Paused {
            reason: PauseReason::User,
        },
        BotStatus::Error {
            message: "x".into(),
        },
    ];
    let expected = [
        ["running", "stopped", "-", "-", "error"],
        ["running", "-", "-", "-", "error"],
        ["-", "stopped", "paused", "-", "error"],
        ["-", "stopped", "-", "running", "error"],
        ["running", "stopped", "-", "-", "error"],
    ];
    for (s, row) in statuses.iter().zip(expected) {
        for (c, want) in all.iter().zip(row) {
            let got = s.apply(c).map_or("-", |n| n.name());
            assert_eq!(got, want, "{} + {c:?}", s.name());
        }
    }
}

#[test]
fn engine_state_survives_a_json_round_trip_mid_trade() {
    let mut h = bought_the_dip();
    let text = serde_json::to_string(h.bot.clone().ledger()).unwrap();
    assert!(text.contains("\"shares\":\"10.41\""), "{text}");
    let saved = serde_json::to_string(&h.bot).unwrap();
    let mut restored: BotEngine = serde_json::from_str(&saved).unwrap();
    assert_eq!(restored, h.bot);
    let quote = Quote {
        price: d("0.505"),
        bid: Some(d("0.50")),
        ask: Some(d("0.51")),
    };
    let now = Timestamp::from_secs(T0 + 1920);
    let a = h.bot.on_event(&h.global, &Event::Tick(quote), now);
    let b = restored.on_event(&h.global, &Event::Tick(quote), now);
    assert_eq!(a, b);
    assert_eq!(orders(&a).len(), 1);
    let _ = &mut h;
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// On any path: at most one order at a time, the paper balance equals the ledger's view
    /// (realized P&L − money still invested), and no position outlives max hold by a tick.
    #[test]
    fn books_balance_on_random_paths(
        steps in proptest::collection::vec((-6i32..=6, 1u32..4, 20i64..400), 50..400),
        train in any::<bool>(),
        fee in 0u32..5,
    ) {
        let fees = FeeCurve { rate: Decimal::new(i64::from(fee), 2), exponent: 1 };
        let mut h = Harness::new(if train { "train-of-trade" } else { "spike-sam" }, Overrides::default(), fees);
        let mut cents = 50i32;
        let mut secs = 0i64;
        for (step, spread, gap) in steps {
            cents = (cents + step).clamp(5, 95);
            secs += gap;
            let bid = Decimal::new(i64::from(cents), 2);
            let ask = Decimal::new(i64::from(cents + spread as i32).min(99), 2);
            let acts = h.tick(secs, &bid.to_string(), &ask.to_string());
            prop_assert!(orders(&acts).len() <= 2, "{acts:?}");
            prop_assert!(h.bot.open_order().is_none(), "paper fills at once");
            let l = h.bot.ledger();
            prop_assert_eq!(h.account.cash - d("1000"), l.total().realized_pnl - l.exposure());
            if let Some(p) = l.position() {
                prop_assert!(Timestamp::from_secs(T0 + secs).secs_since(p.opened_at) <= 3600 + 400);
                prop_assert_eq!(p.shares, h.account.holding(p.leg));
            }
        }
    }
}

#[test]
fn reconfiguring_keeps_the_books_and_refuses_a_market_switch_while_holding() {
    let mut h = bought_the_dip();
    let mut edited = h.bot.config().clone();
    edited.params.take_profit_pct = d("10");
    h.bot.reconfigure(edited.clone()).unwrap();
    assert_eq!(h.bot.config().params.take_profit_pct, d("10"));
    assert!(h.bot.ledger().position().is_some());
    assert!(
        orders(&h.tick(1920, "0.50", "0.51")).is_empty(),
        "+5.2 % is no longer a take profit"
    );
    edited.token_id = "33".into();
    let err = h.bot.reconfigure(edited.clone()).unwrap_err();
    assert!(err.mentions("token_id"), "{err}");
    edited.params.trade_size = Decimal::ZERO;
    assert!(
        h.bot
            .reconfigure(edited)
            .unwrap_err()
            .mentions("trade_size")
    );
}

#[test]
fn an_order_left_open_is_cancelled_once_after_the_timeout() {
    let mut h = Harness::new("spike-sam", Overrides::default(), FeeCurve::FREE);
    h.calm(0, 30, "0.49", "0.51");
    let quote = Quote {
        price: d("0.47"),
        bid: Some(d("0.46")),
        ask: Some(d("0.48")),
    };
    let global = GlobalView::default();
    let at = |s: i64| Timestamp::from_secs(T0 + s);
    // A live executor that has not answered yet: the order stays in flight.
    let placed = orders(&h.bot.on_event(&global, &Event::Tick(quote), at(1800)));
    let id = placed[0].id;
    assert_eq!(placed[0].placed_at, at(1800));
    let cancels = |acts: &[Action]| {
        acts.iter()
            .filter(|a| matches!(a, Action::Cancel { order } if *order == id))
            .count()
    };
    assert_eq!(
        cancels(&h.bot.on_event(&global, &Event::Timer, at(1859))),
        0
    );
    assert_eq!(
        cancels(&h.bot.on_event(&global, &Event::Timer, at(1860))),
        1
    );
    assert_eq!(
        cancels(&h.bot.on_event(&global, &Event::Timer, at(1920))),
        0,
        "asked once"
    );
    assert!(
        h.bot.open_order().is_some(),
        "in flight until the executor answers"
    );
    h.bot.on_event(
        &global,
        &Event::Rejected {
            order: id,
            reason: "cancelled".into(),
        },
        at(1921),
    );
    assert!(h.bot.open_order().is_none());
}

#[test]
fn a_paused_bot_opens_nothing_but_still_exits() {
    let mut h = bought_the_dip();
    h.bot
        .command(&Lifecycle::Pause, Timestamp::from_secs(T0 + 1800))
        .unwrap();
    let sold = orders(&h.tick(1920, "0.50", "0.51"));
    assert_eq!(sold.len(), 1, "take profit still protects the position");
    assert_eq!(sold[0].side, Side::Sell);
    for s in (2100..2400).step_by(20) {
        h.tick(s, "0.50", "0.51");
    }
    let acts = h.tick(2400, "0.46", "0.47");
    assert!(orders(&acts).is_empty());
    assert!(has_text(
        &h.actions.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>(),
        "paused: not opening new positions"
    ));
    h.bot
        .command(&Lifecycle::Resume, Timestamp::from_secs(T0 + 2400))
        .unwrap();
    assert_eq!(h.bot.status(), &BotStatus::Running);
}

#[test]
fn a_spike_up_fades_an_open_position() {
    let mut h = bought_the_dip();
    // The history restarted at the fill: two calm samples, then +3.19 % (P&L only +1.04 %).
    assert!(orders(&h.tick(1860, "0.46", "0.48")).is_empty());
    assert!(orders(&h.tick(1920, "0.46", "0.48")).is_empty());
    let sold = orders(&h.tick(1980, "0.48", "0.49"));
    assert_eq!(sold.len(), 1);
    assert_eq!((sold[0].side, sold[0].limit), (Side::Sell, d("0.48")));
    assert!(
        sold[0].reason.contains("fade it, sell"),
        "{}",
        sold[0].reason
    );
}

// Manual orders

#[test]
fn a_position_is_closed_by_hand_at_the_bid_and_the_trade_is_booked() {
    let mut h = bought_the_dip();
    h.tick(1860, "0.47", "0.49");
    let now = Timestamp::from_secs(T0 + 1860);
    let actions = h
        .bot
        .manual(&ManualOrder::ClosePosition, &h.global, now)
        .unwrap();
    let placed = orders(&actions);
    assert_eq!(placed.len(), 1);
    assert_eq!(
        (placed[0].side, placed[0].size, placed[0].limit),
        (Side::Sell, d("10.41"), d("0.47"))
    );
    let book = Book::top(Some(d("0.47")), Some(d("0.49")), d("1000"));
    let fill = h.account.execute(&placed[0], &book);
    h.feed(1860, fill, &book);
    assert!(h.bot.ledger().position().is_none(), "flat after the close");
    assert_eq!(h.bot.ledger().total().trades, 1);
}

#[test]
fn manual_orders_follow_the_rules_every_order_follows() {
    let mut h = Harness::new("spike-sam", Overrides::default(), FeeCurve::FREE);
    let now = Timestamp::from_secs(T0);
    let refused = |h: &mut Harness, order: &ManualOrder| {
        h.bot.manual(order, &h.global.clone(), now).unwrap_err().0
    };
    assert!(refused(&mut h, &ManualOrder::ClosePosition).contains("no live price"));
    h.tick(0, "0.49", "0.51");
    assert!(refused(&mut h, &ManualOrder::ClosePosition).contains("no position"));
    assert!(
        refused(
            &mut h,
            &ManualOrder::Buy {
                amount: Some(d("0"))
            }
        )
        .contains("above 0")
    );
    assert!(
        refused(
            &mut h,
            &ManualOrder::Buy {
                amount: Some(d("1000"))
            }
        )
        .contains("exposure")
    );

    // A buy by hand opens a position at the ask; a second one is refused while holding.
    let placed = orders(
        &h.bot
            .manual(&ManualOrder::Buy { amount: None }, &h.global, now)
            .unwrap(),
    );
    assert_eq!(
        (placed[0].side, placed[0].limit, placed[0].size),
        (Side::Buy, d("0.51"), d("5"))
    );
    assert!(refused(&mut h, &ManualOrder::Buy { amount: None }).contains("in flight"));

    h.global.killswitch = Killswitch::Tripped {
        reason: "test".into(),
        at: now,
    };
    assert!(refused(&mut h, &ManualOrder::ClosePosition).contains("killswitch"));
}

/// The order forecast live execution arms ahead of a trigger is the order the trigger places:
/// same number, leg, side and size; none while an order is in flight or the bot is stopped.
#[test]
fn the_next_order_forecast_is_the_order_a_trigger_places() {
    use polyagent_engine::bot::OrderForecast;
    let mut h = Harness::new("spike-sam", Overrides::default(), FeeCurve::FREE);
    h.calm(0, 30, "0.49", "0.51");
    let before = h.bot.next_order().unwrap();
    let placed = orders(&h.tick(1800, "0.46", "0.48"));
    assert_eq!(
        before,
        OrderForecast {
            id: placed[0].id,
            leg: placed[0].leg,
            side: placed[0].side,
            size: placed[0].size,
        }
    );
    // Holding: the next order sells the whole position.
    let held = h.bot.ledger().position().unwrap().shares;
    let sale = h.bot.next_order().unwrap();
    assert_eq!((sale.side, sale.size), (Side::Sell, held));
    let sold = orders(&h.tick(1860, "0.55", "0.57"));
    assert_eq!(
        (sold[0].id, sold[0].side, sold[0].size),
        (sale.id, Side::Sell, held)
    );
    h.bot
        .command(&Lifecycle::Stop, Timestamp::from_secs(T0 + 1900))
        .unwrap();
    assert_eq!(h.bot.next_order(), None);
}

/// Resting execution: Train of Trade's buy rests at its target and trades when the ask comes
/// down to it (at its own price); the sale rests at the take-profit target; a time-to-live
/// cancels a resting order nothing reached and it rests afresh; a stop loss cancels a resting
/// sale and sells at the bid; a stop leaves nothing resting.
#[test]
fn resting_orders_wait_at_the_target_expire_and_make_way_for_exits() {
    use polyagent_engine::config::ExecutionStyle;
    let overrides = Overrides {
        execution: Some(ExecutionStyle::Resting { ttl_secs: 300 }),
        cooldown_secs: Some(0),
        ..Overrides::default()
    };
    let mut h = Harness::new("train-of-trade", overrides, FeeCurve::FREE);
    // Target 0.50 × 0.97 = 0.485: the buy rests there (the paper book puts it at 0.48).
    let placed = orders(&h.tick(0, "0.49", "0.51"));
    assert_eq!(
        (placed.len(), placed[0].side, placed[0].limit),
        (1, Side::Buy, d("0.485"))
    );
    assert!(placed[0].style.rests());
    assert!(
        orders(&h.tick(60, "0.48", "0.50")).is_empty(),
        "resting, nothing crossed"
    );
    assert!(h.bot.ledger().position().is_none());
    // The ask comes down to 0.48: filled at 0.48, no fee.
    assert!(orders(&h.tick(120, "0.47", "0.48")).is_empty());
    let pos = h.bot.ledger().position().unwrap();
    assert_eq!((pos.shares, pos.notional), (d("10.41"), d("4.9968")));
    // On the next tick the sale rests at 0.48 × 1.05 = 0.504 (0.51 on the grid).
    let sale = orders(&h.tick(180, "0.47", "0.49"));
    assert_eq!(
        (sale.len(), sale[0].side, sale[0].limit),
        (1, Side::Sell, d("0.504"))
    );
    assert!(sale[0].style.rests());
    // The bid comes up to 0.51: the take profit fires, but the resting sale is the take
    // profit, so it stays and trades at its 0.51; the trade is won.
    let won = h.tick(240, "0.51", "0.53");
    assert!(!has_text(&won, "cancelling"), "{won:?}");
    assert!(h.bot.ledger().position().is_none());
    assert_eq!(h.bot.ledger().total().wins, 1);
    // The next buy rests at 0.52 × 0.97 = 0.5044 (0.50 on the grid); nothing reaches it:
    // after 300 s it is cancelled, and on the next tick it rests afresh.
    let next = orders(&h.tick(300, "0.51", "0.53"));
    assert_eq!((next.len(), next[0].side), (1, Side::Buy));
    assert!(orders(&h.tick(540, "0.51", "0.53")).is_empty());
    let expired = h.tick(600, "0.51", "0.53");
    assert!(has_text(&expired, "still open after 300 s"), "{expired:?}");
    assert!(h.account.resting.is_none());
    let again = orders(&h.tick(660, "0.51", "0.53"));
    assert_eq!((again.len(), again[0].side), (1, Side::Buy));
    // Bought at 0.50 when the ask gets there; the sale rests at 0.525 (0.53 on the grid).
    h.tick(720, "0.49", "0.50");
    assert!(h.bot.ledger().position().is_some());
    let sale = orders(&h.tick(780, "0.49", "0.51"));
    assert_eq!((sale.len(), sale[0].side), (1, Side::Sell));
    // The stop loss (−3 %) cancels the resting sale, then sells at the bid.
    let exit = h.tick(840, "0.45", "0.47");
    assert!(has_text(&exit, "cancelling resting order"), "{exit:?}");
    assert!(h.account.resting.is_none());
    let sold = orders(&h.tick(900, "0.45", "0.47"));
    assert_eq!((sold.len(), sold[0].side), (1, Side::Sell));
    assert!(!sold[0].style.rests(), "an exit sells marketable");
    assert!(h.bot.ledger().position().is_none());
    // A stop takes the next resting buy off the book.
    assert_eq!(orders(&h.tick(960, "0.45", "0.47")).len(), 1);
    assert!(h.account.resting.is_some());
    let stop = h
        .bot
        .command(&Lifecycle::Stop, Timestamp::from_secs(T0 + 1000))
        .unwrap();
    assert!(
        stop.iter().any(|a| matches!(a, Action::Cancel { .. })),
        "{stop:?}"
    );
}
