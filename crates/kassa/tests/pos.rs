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

#[test]
fn a_days_work_on_the_terminal_on_screen() {
    if Command::new("tmux").arg("-V").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "tmux is missing (scripts/test installs it)");
        eprintln!("tmux is not installed: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let kassa = env!("CARGO_BIN_EXE_kassa");
    let demo = Demo(
        Command::new(kassa)
            .args(["demo", "--data-dir", dir.path().to_str().unwrap(), "--port", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while !dir.path().join("demo.json").exists() {
        assert!(start.elapsed() < Duration::from_secs(60), "kassa demo did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let session = Session(format!("kassa-pos-{}", std::process::id()));
    let command = format!("{kassa} terminal --demo {}", dir.path().display());
    let started = Command::new("tmux")
        .args(["new-session", "-d", "-s", &session.0, "-x", "80", "-y", "24"])
        .arg(&command)
        .env("TERM", "xterm-256color")
        .status()
        .unwrap();
    assert!(started.success());

    // Log in: operator 01, password 0000; the terminal signs in and shows its key check values.
    session.wait_for("Operator no.");
    session.send(&["01", "Enter", "0000", "Enter"]);
    let menu = session.wait_for("1 Sale");
    assert!(menu.contains("key check values") && menu.contains("operator 01"), "{menu}");

    // A sale of ¥99.00, keyed in fen, swiped, with the PIN: two slips.
    session.send(&["1", "9900"]);
    assert!(session.wait_for("Amount").contains("¥99.00"));
    session.send(&["Enter", "1"]);
    session.wait_for("Which card");
    session.send(&["1"]);
    let confirm = session.wait_for("Check the card number");
    assert!(confirm.contains("622202*********0128"), "masked: {confirm}");
    session.send(&["Enter", "123456"]);
    assert!(session.wait_for("PIN:").contains("******"));
    session.send(&["Enter"]);
    session.wait_for("MERCHANT COPY");
    session.send(&["Enter"]);
    session.wait_for("CUSTOMER COPY");
    session.send(&["Enter"]);
    session.wait_for("1 Sale");
    let slips = dir.path().join("slips");
    let files = slip_files(&slips);
    assert_eq!(files.len(), 2, "{files:?}");
    let sale_trace: String = files[0].0.split('-').nth(2).unwrap().to_string();
    assert!(files[1].1.contains("MERCHANT COPY") && files[1].1.contains("SIGNATURE"), "{files:?}");
    assert!(files[0].1.contains("CUSTOMER COPY") && files[0].1.contains("SALE 消费") && files[0].1.contains("¥99.00"));

    // Its void: the supervisor's password, the original's trace, the card again.
    session.send(&["2"]);
    session.wait_for("Supervisor password");
    session.send(&["123456", "Enter"]);
    session.wait_for("Original trace");
    session.send(&[&sale_trace, "Enter"]);
    session.wait_for("Present the card");
    session.send(&["1", "1", "Enter", "123456", "Enter"]);
    session.wait_for("MERCHANT COPY");
    session.send(&["Enter", "Enter"]);
    session.wait_for("1 Sale");
    let files = slip_files(&slips);
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(files.iter().any(|(_, text)| text.contains("VOID 消费撤销") && text.contains("¥99.00")), "{files:?}");

    // Settlement, and its list printed.
    session.send(&["6"]);
    let settled = session.wait_for("settled");
    assert!(settled.contains("Totals agree"), "{settled}");
    session.send(&["p"]);
    session.wait_for("Printed");
    session.send(&["Enter", "q"]);
    let start = Instant::now();
    while Command::new("tmux").args(["has-session", "-t", &session.0]).status().unwrap().success() {
        assert!(start.elapsed() < Duration::from_secs(10), "q at the menu quits");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(slip_files(&slips).iter().any(|(name, _)| name.ends_with("-list.txt")));
    drop(demo);
}
