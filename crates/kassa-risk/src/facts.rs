//! What the engine knows about one transaction, as CEL variables.

use cel_interpreter::Context;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardKind {
    Debit,
    Credit,
}

/// The facts of one transaction. Amounts are minor units (fen); distances
/// whole kilometres; counts within their windows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub amount: i64,
    pub credit: bool,
    /// The card's keyed hash (never the number), hex.
    pub card: String,
    pub terminal: String,
    pub merchant: String,
    pub mcc: String,
    /// `small`, `standard` or `large`.
    pub merchant_tier: String,
    /// Local hour, 0–23.
    pub hour: i64,
    /// `swipe`, `chip`, `contactless`, `manual`.
    pub entry: String,
    /// `sale`, `refund`, `preauth`, …
    pub kind: String,
    pub card_blocked: bool,
    pub terminal_blocked: bool,
    pub merchant_blocked: bool,
    /// A mobile reader's distance from the registered address (−1: not a mobile reader).
    pub distance_km: i64,
    pub other_city: bool,
    /// Approved today / this month at the merchant, before this transaction.
    pub merchant_day_total: i64,
    pub merchant_month_total: i64,
    /// Days since the terminal's previous transaction.
    pub terminal_idle_days: i64,
    /// Changes of the merchant's name or category in the last 30 days.
    pub merchant_changes_30d: i64,
    pub velocity: crate::velocity::Features,
    /// A value-added service's money-laundering facts (zero for everything else).
    pub service: ServiceFacts,
}

/// What the store knows of a transfer's or repayment's payer card and
/// beneficiary over the last 24 hours (services that moved or are moving
/// money), this one included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceFacts {
    pub payer_count_24h: i64,
    pub payer_sum_24h: i64,
    pub beneficiary_count_24h: i64,
    pub beneficiary_sum_24h: i64,
    /// Distinct payer cards into this beneficiary.
    pub beneficiary_payers_24h: i64,
}

impl Facts {
    /// The facts an event and its velocity features give; the caller adds
    /// what the event does not carry (category, hour, entry mode, day total).
    pub fn of_event(event: &crate::velocity::VelocityEvent, velocity: crate::velocity::Features) -> Facts {
        Facts {
            amount: event.amount,
            credit: event.credit,
            card: event.card.clone(),
            terminal: event.terminal.clone(),
            merchant: event.merchant.clone(),
            merchant_tier: "standard".into(),
            kind: event.kind.clone(),
            distance_km: -1,
            velocity,
            ..Facts::default()
        }
    }

    /// Whether the amount is a round number of hundreds of yuan.
    pub fn round_amount(&self) -> bool {
        self.amount > 0 && self.amount % 10_000 == 0
    }

    /// The facts as CEL variables (see `rules/starter.toml` for their names).
    pub fn context(&self) -> Context<'static> {
        let mut c = Context::default();
        let v = &self.velocity;
        let ints: [(&str, i64); 27] = [
            ("service_payer_count_24h", self.service.payer_count_24h),
            ("service_payer_sum_24h", self.service.payer_sum_24h),
            ("service_beneficiary_count_24h", self.service.beneficiary_count_24h),
            ("service_beneficiary_sum_24h", self.service.beneficiary_sum_24h),
            ("service_beneficiary_payers_24h", self.service.beneficiary_payers_24h),
            ("merchant_changes_30d", self.merchant_changes_30d),
            ("amount", self.amount),
            ("hour", self.hour),
            ("distance_km", self.distance_km),
            ("merchant_day_total", self.merchant_day_total),
            ("merchant_month_total", self.merchant_month_total),
            ("terminal_idle_days", self.terminal_idle_days),
            ("card_count_1h", v.card_count_1h),
            ("card_terminals_30m", v.card_terminals_30m),
            ("terminal_cards_1h", v.terminal_cards_1h),
            ("terminal_credit_round_1h", v.terminal_credit_round_1h),
            ("terminal_count_1h", v.terminal_count_1h),
            ("terminal_declines_10m", v.terminal_declines_10m),
            ("terminal_declined_cards_10m", v.terminal_declined_cards_10m),
            ("terminal_count_24h", v.terminal_count_24h),
            ("same_amount_cards_1h", v.same_amount_cards_1h),
            ("card_terminal_count_1h", v.card_terminal_count_1h),
            ("card_terminal_sum_1h", v.card_terminal_sum_1h),
            ("merchant_refunds_day", v.merchant_refunds_day),
            ("merchant_sales_day", v.merchant_sales_day),
            ("merchant_credit_day", v.merchant_credit_day),
            ("merchant_count_day", v.merchant_count_day),
        ];
        for (name, value) in ints {
            c.add_variable_from_value(name, value);
        }
        let bools = [
            ("credit", self.credit),
            ("round_amount", self.round_amount()),
            ("card_blocked", self.card_blocked),
            ("terminal_blocked", self.terminal_blocked),
            ("merchant_blocked", self.merchant_blocked),
            ("other_city", self.other_city),
        ];
        for (name, value) in bools {
            c.add_variable_from_value(name, value);
        }
        for (name, value) in [
            ("card", &self.card),
            ("terminal", &self.terminal),
            ("merchant", &self.merchant),
            ("mcc", &self.mcc),
            ("tier", &self.merchant_tier),
            ("entry", &self.entry),
            ("kind", &self.kind),
        ] {
            c.add_variable_from_value(name, value.clone());
        }
        c
    }
}

/// What the admission rules know about an onboarding application.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applicant {
    /// Other merchants (or open applications) with the same ID number.
    pub same_identity: i64,
    /// Other merchants with the same phone number.
    pub same_phone: i64,
    /// The block lists the applicant is on: `id_number`, `phone`, `card`.
    pub blocked: Vec<String>,
    /// The category is on the acquirer's high-risk list.
    pub high_risk_mcc: bool,
    pub mcc: String,
}

impl Applicant {
    /// The application as CEL variables: `same_identity`, `same_phone`,
    /// `blocked` (a list), `high_risk_mcc`, `mcc`.
    pub fn context(&self) -> Context<'static> {
        let mut c = Context::default();
        c.add_variable_from_value("same_identity", self.same_identity);
        c.add_variable_from_value("same_phone", self.same_phone);
        c.add_variable_from_value("blocked", self.blocked.clone());
        c.add_variable_from_value("high_risk_mcc", self.high_risk_mcc);
        c.add_variable_from_value("mcc", self.mcc.clone());
        c
    }
}
