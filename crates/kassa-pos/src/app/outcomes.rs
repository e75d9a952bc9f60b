//! What the device answered, back on the screen: sign-in (and the notice of
//! an earlier day's open batch), sign-off, settlement, a transaction, a printer fault.

use kassa_core::{Amount, TxnKind};
use kassa_terminal::{LogEntry, SettleAnswer, SignOffAnswer, TxnAnswer};

use super::{App, Effect, Mode, Screen, answer_words, balance_lines, kind_title, money, screen_login};
use crate::slip::{self, BatchSummary};

impl App {
    /// The sign-in's outcome; `earlier_day_open` when the open batch holds an
    /// earlier day's transactions (it is settled before work, after a notice).
    pub fn signed_in(&mut self, result: Result<(u32, Vec<String>), String>, earlier_day_open: bool) -> Option<Effect> {
        match result {
            Ok((batch, kcvs)) => {
                self.batch = batch;
                self.status = Some(format!(
                    "{} · {} {batch:06} · {} {}",
                    self.t("签到成功", "Signed in"),
                    self.t("批次", "batch"),
                    self.t("密钥校验值", "key check values"),
                    kcvs.join(" ")
                ));
                self.screen = if earlier_day_open { Screen::ForcedNotice { batch } } else { Screen::Menu };
                None
            }
            Err(error) => {
                self.error = Some(format!("{}: {error}", self.t("签到失败", "Sign-in failed")));
                self.screen = match self.mode {
                    Mode::Countertop => screen_login(),
                    Mode::Mobile => {
                        Screen::Busy(self.t("签到失败：按 q 退出", "Sign-in failed: press q to leave").into())
                    }
                };
                None
            }
        }
    }

    /// The sign-off's outcome: back to the log-in (a mobile reader closes).
    pub fn signed_off(&mut self, result: Result<SignOffAnswer, String>, summary: &BatchSummary, printed_at: &str) {
        match result {
            Ok(answer) if answer.code.is_approved() => {
                if let Some(settled) = answer.settled {
                    // The batch was settled first: show it, and the log-in after.
                    self.settled(Ok(settled), summary, printed_at, false);
                    self.status = Some(self.t("已结算并签退", "Settled and signed off").into());
                    self.operator.clear();
                    self.signed_off = true;
                    return;
                }
                self.status = Some(self.t("已签退", "Signed off").into());
                self.operator.clear();
                self.screen = screen_login();
            }
            Ok(answer) => {
                self.error = Some(answer_words(self.lang, answer.code.as_str(), answer.code.meaning()));
                self.screen = Screen::Menu;
            }
            Err(error) => {
                self.error = Some(format!("{}: {error}", self.t("签退失败", "Sign-off failed")));
                self.screen = Screen::Menu;
            }
        }
    }

    /// The settlement's outcome, with the batch as it stood before it.
    pub fn settled(
        &mut self,
        result: Result<SettleAnswer, String>,
        summary: &BatchSummary,
        printed_at: &str,
        forced: bool,
    ) {
        let (lines, balanced) = match result {
            Ok(answer) if answer.code.is_approved() => {
                let mut lines = vec![if forced {
                    format!(
                        "{} {:06} · {}",
                        self.t("隔日强制结算：批次", "Next-day settlement: batch"),
                        summary.batch,
                        self.t("结算成功", "settled")
                    )
                } else {
                    format!("{} {:06} {}", self.t("批次", "Batch"), summary.batch, self.t("结算成功", "settled"))
                }];
                lines.push(String::new());
                lines.extend(summary.total_lines());
                lines.push(String::new());
                lines.push(if answer.balanced {
                    self.t("对账平：与主机一致", "Totals agree with the host").into()
                } else {
                    format!(
                        "{} {}",
                        self.t("对账不平，已上送明细笔数", "Totals differed: transactions uploaded"),
                        answer.uploaded
                    )
                });
                if let Some(next) = answer.next_batch {
                    self.batch = next;
                    lines.push(format!("{} {next:06}", self.t("已重新签到，新批次", "Signed in again: new batch")));
                }
                (lines, Some(answer.balanced))
            }
            Ok(answer) => (
                vec![format!(
                    "{}: {}",
                    self.t("结算失败", "Settlement refused"),
                    answer_words(self.lang, answer.code.as_str(), answer.code.meaning())
                )],
                None,
            ),
            Err(error) => (vec![format!("{}: {error}", self.t("结算失败", "Settlement failed"))], None),
        };
        self.status = lines.first().cloned();
        let list = slip::settlement_list(&self.header, &self.operator, summary, printed_at, forced, balanced);
        self.screen = Screen::Settled { lines, list, batch: summary.batch };
    }

    /// A transaction's outcome: `logged` is its log entry when approved.
    pub fn answered(
        &mut self,
        kind: TxnKind,
        amount: Amount,
        result: Result<TxnAnswer, String>,
        logged: Option<LogEntry>,
    ) -> Option<Effect> {
        let mut lines = vec![if kind == TxnKind::BalanceInquiry {
            kind_title(self.lang, kind).to_string()
        } else {
            format!("{}  {}", kind_title(self.lang, kind), money(amount.minor_units()))
        }];
        match result {
            Ok(answer) => {
                if answer.reversal_sent {
                    lines.push(
                        self.t("已先发送上一笔的冲正", "The earlier transaction's reversal was sent first").into(),
                    );
                }
                let words = answer_words(self.lang, answer.code.as_str(), answer.code.meaning());
                self.status = Some(words.clone());
                lines.push(words);
                if answer.code.is_approved() {
                    lines.push(format!(
                        "{} {:06} · {} {} · {} {}",
                        self.t("凭证号", "Trace"),
                        answer.trace,
                        self.t("参考号", "Ref"),
                        answer.rrn,
                        self.t("授权码", "Auth"),
                        answer.auth_code
                    ));
                    if let Some(balances) = &answer.balances {
                        lines.extend(balance_lines(self.lang, balances));
                    }
                    if let Some(entry) = logged {
                        let slips = slip::slips(&self.header, &entry, false);
                        lines.push(
                            self.t("已打印两联：商户存根，持卡人存根", "Printed both copies: merchant, then customer")
                                .into(),
                        );
                        let name = format!("{:06}-{:06}", entry.batch, entry.trace);
                        self.screen = Screen::Slip { outcome: lines, slips: Box::new(slips.clone()), index: 0 };
                        return Some(Effect::Print { name, texts: slips.to_vec() });
                    }
                } else {
                    if kind.service().is_some() {
                        // Whose side the code speaks of (63 after the organisation).
                        let beneficiary = answer.card_organisation.get(3..4) == Some("B");
                        lines.push(if beneficiary {
                            self.t(
                                "收款方（对方银行或运营商）未能入账，本次扣款已冲正，未扣费",
                                "The beneficiary's side refused or did not answer: the debit is reversed, nothing charged",
                            )
                            .into()
                        } else {
                            self.t("付款卡未扣款", "The paying card was not charged").into()
                        });
                    }
                    lines.push(
                        self.t("请返回菜单重新选择交易", "Back to the menu: choose the transaction again").into(),
                    );
                }
            }
            Err(error) => {
                let words = format!("{}: {error}", self.t("无有效应答", "No valid answer"));
                self.status = Some(words.clone());
                lines.push(words);
                lines.push(
                    self.t(
                        "已保存冲正，将在下一笔交易前发送",
                        "The reversal is kept and will be sent before the next transaction",
                    )
                    .into(),
                );
            }
        }
        self.screen = Screen::Answer { lines };
        None
    }

    /// Printing failed (the slip files could not be written).
    pub fn print_failed(&mut self, error: String) {
        self.error = Some(format!("{}: {error}", self.t("打印失败", "Printer")));
    }
}
