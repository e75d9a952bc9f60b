//! The terminal on screen, end to end: the real binary in tmux (80×24)
//! against `kassa demo` — log in, a sale, its void, settlement — checking
//! what the screen and the slip files show.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.0]).status();
    }
}

impl Session {
    fn send(&self, keys: &[&str]) {
        for key in keys {
            let special = matches!(*key, "Enter" | "Escape" | "BSpace");
            let mut args = vec!["send-keys", "-t", &self.0];
            if !special {
                args.push("-l");
            }
            args.push(key);
            assert!(Command::new("tmux").args(&args).status().unwrap().success());
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-t", &self.0]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows `text`; the screen when it does.
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "waited for {text:?}; the screen shows:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn slip_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read_to_string(e.path()).unwrap()))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn tmux_missing() -> bool {
    if Command::new("tmux").arg("-V").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "tmux is missing (scripts/test installs it)");
        eprintln!("tmux is not installed: skipped");
        return true;
    }
    false
}

fn start_demo(dir: &Path) -> Demo {
    let demo = Demo(
        Command::new(env!("CARGO_BIN_EXE_kassa"))
            .args(["demo", "--data-dir", dir.to_str().unwrap(), "--port", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while !dir.join("demo.json").exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "kassa demo did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    demo
}

/// `kassa terminal --demo DIR <extra>` on an 80×24 screen.
fn start_terminal(dir: &Path, name: &str, extra: &str) -> Session {
    let session = Session(format!("kassa-{name}-{}", std::process::id()));
    let command = format!("{} terminal --demo {} {extra}", env!("CARGO_BIN_EXE_kassa"), dir.display());
    let started = Command::new("tmux")
        .args(["new-session", "-d", "-s", &session.0, "-x", "80", "-y", "24"])
        .arg(&command)
        .env("TERM", "xterm-256color")
        .status()
        .unwrap();
    assert!(started.success());
    session
}

fn wait_closed(session: &Session) {
    let start = Instant::now();
    while Command::new("tmux").args(["has-session", "-t", &session.0]).status().unwrap().success() {
        assert!(start.elapsed() < Duration::from_secs(10), "the POS did not close");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// This year in China, as the terminal dates its slips.
fn chrono_year() -> i32 {
    use kassa_core::time::Clock;
    kassa_core::time::SystemClock { offset_minutes: 480 }.local().year
}

/// A sale of `fen` with the first demo card (swiped, PIN 123456), both slips.
fn sell(session: &Session, fen: &str) {
    session.send(&["1", fen, "Enter", "1"]);
    session.wait_for("选择测试卡");
    session.send(&["1"]);
    session.wait_for("请核对卡号");
    session.send(&["Enter", "123456", "Enter"]);
    let approved = session.wait_for("商户存根");
    assert!(approved.contains("交易成功 (00)") && !approved.contains(".txt"), "{approved}");
    session.send(&["Enter"]);
    session.wait_for("持卡人存根");
    session.send(&["Enter"]);
    session.wait_for("1 消费");
}

#[test]
fn a_days_work_on_the_terminal_on_screen() {
    if tmux_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo(dir.path());
    let session = start_terminal(dir.path(), "pos", "");

    // Log in (Chinese, the default): operator 01, password 0000; it signs in and shows its key check values.
    session.wait_for("操作员号");
    session.send(&["01", "Enter", "0000", "Enter"]);
    let menu = session.wait_for("1 消费");
    assert!(menu.contains("密钥校验值") && menu.contains("操作员 01"), "{menu}");

    // A sale of ¥99.00, keyed in fen, swiped, with the PIN: 交易成功 in words, two slips.
    session.send(&["1", "9900"]);
    assert!(session.wait_for("金额").contains("¥99.00"));
    session.send(&["Enter", "1"]);
    session.wait_for("选择测试卡");
    session.send(&["1"]);
    let confirm = session.wait_for("请核对卡号");
    assert!(confirm.contains("622202*********0128"), "masked: {confirm}");
    session.send(&["Enter", "123456"]);
    assert!(session.wait_for("密码:").contains("******"));
    session.send(&["Enter"]);
    let approved = session.wait_for("商户存根");
    assert!(approved.contains("交易成功 (00)") && !approved.contains(".txt"), "{approved}");
    session.send(&["Enter"]);
    session.wait_for("持卡人存根");
    session.send(&["Enter"]);
    let menu = session.wait_for("1 消费");
    assert!(!menu.contains("交易成功"), "the outcome does not linger on the menu: {menu}");
    let slips = dir.path().join("slips");
    let files = slip_files(&slips);
    assert_eq!(files.len(), 2, "{files:?}");
    let sale_trace: String = files[0].0.split('-').nth(2).unwrap().to_string();
    assert!(files[1].1.contains("MERCHANT COPY") && files[1].1.contains("SIGNATURE"), "{files:?}");
    assert!(files[0].1.contains("CUSTOMER COPY") && files[0].1.contains("消费 SALE") && files[0].1.contains("¥99.00"));
    let year = chrono_year();
    for (_, text) in &files {
        assert!(text.lines().all(|l| unicode_width::UnicodeWidthStr::width(l) <= 32), "{text}");
        assert!(text.contains(&format!("{year}/")), "the date with its year: {text}");
    }

    // The pre-auth menu reaches the completion void; a balance shows what is available.
    session.send(&["4"]);
    assert!(session.wait_for("预授权完成撤销").contains("4 预授权完成撤销"));
    session.send(&["q", "5", "1", "1", "Enter", "123456", "Enter"]);
    let balance = session.wait_for("可用余额");
    assert!(balance.contains("交易成功") && balance.contains("账面余额"), "{balance}");
    session.send(&["Enter"]);
    session.wait_for("1 消费");

    // Its void: the supervisor's password, the original's trace, the card again.
    session.send(&["2"]);
    session.wait_for("主管密码");
    session.send(&["123456", "Enter"]);
    session.wait_for("原凭证号");
    session.send(&[&sale_trace, "Enter"]);
    session.wait_for("请刷卡");
    session.send(&["1", "1", "Enter", "123456", "Enter"]);
    session.wait_for("商户存根");
    session.send(&["Enter", "Enter"]);
    session.wait_for("1 消费");
    let files = slip_files(&slips);
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(files.iter().any(|(_, text)| text.contains("消费撤销 VOID") && text.contains("¥99.00")), "{files:?}");

    // Reprint the last one: printed again, marked.
    session.send(&["7", "Enter"]);
    session.wait_for("重打印");
    session.send(&["Enter", "Enter"]);
    session.wait_for("1 消费");
    let reprints: Vec<_> = slip_files(&slips).into_iter().filter(|(n, _)| n.contains("reprint")).collect();
    assert_eq!(reprints.len(), 2, "{reprints:?}");
    assert!(reprints.iter().all(|(_, text)| text.contains("REPRINT") && text.contains("消费撤销 VOID")));

    // Settlement, its list printed; then the next sale goes through (signed in again).
    session.send(&["6"]);
    let settled = session.wait_for("结算成功");
    assert!(settled.contains("对账平") && settled.contains("新批次"), "{settled}");
    session.send(&["p"]);
    session.wait_for("已打印结算单");
    session.send(&["Enter"]);
    session.wait_for("1 消费");
    let list = slip_files(&slips).into_iter().find(|(name, _)| name.ends_with("-list.txt")).unwrap().1;
    assert!(list.contains("SETTLEMENT LIST") && list.contains("BATCH NO 000001") && list.contains("NET"), "{list}");
    sell(&session, "1234");

    // q asks first; Enter leaves.
    session.send(&["q"]);
    session.wait_for("退出收款程序");
    session.send(&["n"]);
    session.wait_for("1 消费");
    session.send(&["q", "Enter"]);
    wait_closed(&session);

    // The state file names no card in clear.
    let state_dir = dir.path().join("terminals");
    let state_file = std::fs::read_dir(&state_dir).unwrap().flatten().next().unwrap().path();
    let text = std::fs::read_to_string(&state_file).unwrap();
    assert!(!text.contains("6222021234567890128") && text.contains("622202*********0128"), "{text}");

    // The next day: yesterday's batch is still open (its sale dated earlier).
    let mut state: serde_json::Value = serde_json::from_str(&text).unwrap();
    let batch = state["batch"].clone();
    for entry in state["log"].as_array_mut().unwrap() {
        if entry["batch"] == batch {
            entry["date"] = serde_json::json!(if entry["date"] == "0101" { "0102" } else { "0101" });
        }
    }
    std::fs::write(&state_file, serde_json::to_string(&state).unwrap()).unwrap();
    let session = start_terminal(dir.path(), "pos-next-day", "--lang en");
    session.wait_for("Operator no.");
    session.send(&["01", "Enter", "0000", "Enter"]);
    session.wait_for("Next-day settlement");
    session.send(&["Enter"]);
    let forced = session.wait_for("settled");
    assert!(forced.contains("SALES") && forced.contains("¥12.34") && forced.contains("NET"), "{forced}");
    session.send(&["p", "Enter"]);
    session.wait_for("1 Sale");
    // Yesterday's sale, refunded in part by its reference number (another batch now).
    let rrn = state["log"].as_array().unwrap().iter().rev().find(|e| e["kind"] == "sale").unwrap()["rrn"].clone();
    session.send(&["3", "123456", "Enter"]);
    session.wait_for("Original trace no.");
    session.send(&["r", rrn.as_str().unwrap(), "Enter"]);
    session.wait_for("Amount");
    session.send(&["500", "Enter", "1", "1", "Enter", "123456", "Enter"]);
    let refunded = session.wait_for("MERCHANT COPY");
    assert!(refunded.contains("Approved (00)") && refunded.contains("退货 REFUND"), "{refunded}");
    session.send(&["Enter", "Enter"]);
    session.wait_for("1 Sale");
    // After the restart, a reprint by trace comes from the terminal's log.
    let trace = format!("{:06}", state["log"][0]["trace"].as_u64().unwrap());
    session.send(&["7", &trace, "Enter"]);
    session.wait_for("Reprint");
    session.send(&["Enter", "Enter"]);
    session.wait_for("1 Sale");
    assert!(slip_files(&slips).iter().any(|(name, _)| name.contains(&format!("-{trace}-reprint-"))));
    // Sign-off with a batch open settles it, then goes back to the log-in.
    session.send(&["9"]);
    let off = session.wait_for("Settled and signed off");
    assert!(off.contains("REFUNDS") && off.contains("¥5.00"), "{off}");
    session.send(&["Enter"]);
    session.wait_for("Operator no.");
    session.send(&["q"]);
    wait_closed(&session);
    assert!(slip_files(&slips).iter().filter(|(name, _)| name.ends_with("-list.txt")).count() >= 2);
    drop(demo);
}

/// The mobile reader: no log-in, its own menu (collect, void, repayment,
/// top-up, transfer, balance, query, calculator; refund, settlement,
/// reprint and sign-off under 9); a void asks for the merchant's payment
/// password; a transfer, a top-up and a repayment go through with the fee
/// shown before the PIN; the calculator's result is collected as a payment.
#[test]
fn the_mobile_reader_on_screen() {
    if tmux_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo(dir.path());
    let session = start_terminal(dir.path(), "reader", "--mobile");
    let menu = session.wait_for("1 收款");
    for item in ["3 信用卡还款", "4 手机充值", "5 转账汇款", "6 余额查询", "7 交易查询", "8 计算器", "9 更多"]
    {
        assert!(menu.contains(item), "{item}: {menu}");
    }
    session.send(&["1", "2500", "Enter", "1"]);
    session.wait_for("选择测试卡");
    session.send(&["1"]);
    session.wait_for("请核对卡号");
    session.send(&["Enter", "123456", "Enter"]);
    session.wait_for("交易成功 (00)");
    session.send(&["Enter", "Enter"]);
    session.wait_for("1 收款");
    session.send(&["2"]);
    session.wait_for("商户支付密码");
    session.send(&["123456", "Enter"]);
    session.wait_for("支付密码错误");
    session.send(&["2", kassa::demo::DEMO_PAYMENT_PASSWORD, "Enter"]);
    session.wait_for("原凭证号");
    session.send(&["q", "5"]);
    session.wait_for("收款人卡号");
    session.send(&["6222021234500000017", "Enter"]);
    session.wait_for("请再输入一次以确认");
    session.send(&["6222021234500000017", "Enter", "100000", "Enter", "1"]);
    session.wait_for("选择测试卡");
    session.send(&["1"]);
    let confirm = session.wait_for("扣款总额");
    assert!(confirm.contains("¥2.00") && confirm.contains("¥1002.00"), "{confirm}");
    session.send(&["Enter", "123456", "Enter"]);
    session.wait_for("交易成功 (00)");
    session.send(&["Enter", "Enter"]);
    session.wait_for("1 收款");
    session.send(&["4", "13812345678", "Enter", "13812345678", "Enter"]);
    session.wait_for("选择充值面额");
    session.send(&["2", "1"]);
    session.wait_for("选择测试卡");
    session.send(&["1", "Enter", "123456", "Enter"]);
    session.wait_for("交易成功 (00)");
    session.send(&["Enter", "Enter"]);
    session.wait_for("1 收款");
    // A repayment into the demo's credit card.
    session.send(&["3", "6225881234567890120", "Enter", "6225881234567890120", "Enter", "20000", "Enter", "1"]);
    session.wait_for("选择测试卡");
    session.send(&["1"]);
    let confirm = session.wait_for("扣款总额");
    assert!(confirm.contains("¥202.00"), "{confirm}");
    session.send(&["Enter", "123456", "Enter"]);
    session.wait_for("交易成功 (00)");
    session.send(&["Enter", "Enter"]);
    session.wait_for("1 收款");
    // The calculator: 12 × 3 + 4.5 = ¥40.50, collected as a payment.
    session.send(&["8", "12*3+4.5", "Enter"]);
    session.wait_for("= ¥40.50");
    session.send(&["s", "1"]);
    session.wait_for("选择测试卡");
    session.send(&["1"]);
    let check = session.wait_for("请核对卡号");
    assert!(check.contains("¥40.50"), "{check}");
    session.send(&["Enter", "123456", "Enter"]);
    session.wait_for("交易成功 (00)");
    session.send(&["Enter", "Enter"]);
    session.wait_for("1 收款");
    session.send(&["9", "4"]);
    session.wait_for("结算成功");
    session.send(&["Enter"]);
    wait_closed(&session);
    drop(demo);
}

#[test]
fn the_till_on_screen_rings_up_a_basket_and_prints_its_items() {
    if tmux_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let _demo = start_demo(dir.path());
    let session = start_terminal(dir.path(), "till", "");
    session.wait_for("操作员号");
    session.send(&["01", "Enter", "0000", "Enter"]);
    let menu = session.wait_for("1 消费");
    assert!(menu.contains("t 收银台"), "{menu}");

    // The till downloads the demo's catalogue; a scanner types digits and Enter.
    session.send(&["t"]);
    session.wait_for("商品目录已更新");
    session.send(&["6901234560015", "Enter", "6901234560015", "Enter", "1003", "Enter"]);
    let basket = session.wait_for("便当");
    assert!(basket.contains("矿泉水 550ml") && basket.contains("x2") && basket.contains("合计 ¥22.00"), "{basket}");
    // A wrong check digit, then a code the catalogue does not know, its price keyed.
    session.send(&["6901234560016", "Enter"]);
    session.wait_for("校验位错误");
    session.send(&["4006381333931", "Enter"]);
    session.wait_for("请输入单价");
    session.send(&["1500", "Enter"]);
    session.wait_for("手输");
    // Three of the last line, then the segment key and the card (credit: no PIN).
    session.send(&["3*"]);
    session.wait_for("合计 ¥67.00");
    session.send(&["Enter"]);
    session.wait_for("请按客层键");
    session.send(&["6"]);
    assert!(session.wait_for("请刷卡").contains("¥67.00"));
    session.send(&["1"]);
    session.wait_for("选择测试卡");
    session.send(&["2"]);
    session.wait_for("此卡免密");
    session.send(&["Enter"]);
    let paid = session.wait_for("商户存根");
    assert!(paid.contains("交易成功 (00)") && paid.contains("购物清单已上送后台"), "{paid}");
    session.send(&["Enter", "Enter"]);
    session.wait_for("1 消费");
    // The slip lists the items; the catalogue is kept for when the API is away.
    let slips = slip_files(&dir.path().join("slips"));
    let (_, customer) = slips.iter().find(|(name, _)| name.ends_with("customer.txt")).expect("a customer copy");
    assert!(customer.contains("矿泉水 550ml") && customer.contains("3 x ¥15.00") && customer.contains("件数 COUNT"));
    assert!(dir.path().join("terminals").join("10000001-catalogue.json").exists());
    let state = std::fs::read_to_string(dir.path().join("terminals").join("10000001.json")).unwrap();
    assert!(state.contains("\"pending_baskets\": []"), "nothing waits to be sent");
    session.send(&["q", "Enter"]);
    wait_closed(&session);
}
