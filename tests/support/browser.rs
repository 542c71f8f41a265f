//! A real headless Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`,
//! installed by `.ci/test`), for the web pages' tests. Included with `#[path]` by the tests
//! that use it, so the other test binaries do not link a WebDriver client.
//!
//! Chromium starts with the flags this machine needs (no sandbox as root, no background
//! networking: the network is closed) and a fresh profile. Console messages are read back
//! through ChromeDriver's log endpoint, so a test can assert that a page logged no error (a
//! Content-Security-Policy violation is one). Screenshots go to
//! `target/browser-artifacts/` as test artifacts.

#![allow(dead_code)]

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Widths the screenshots are taken at: a phone and a desktop.
pub const PHONE: (u32, u32) = (390, 844);
pub const DESKTOP: (u32, u32) = (1280, 900);

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn find(var: &str, candidates: &[&str]) -> PathBuf {
    if let Ok(p) = std::env::var(var) {
        return PathBuf::from(p);
    }
    candidates.iter().map(PathBuf::from).find(|p| p.exists()).unwrap_or_else(|| {
        panic!(
            "{} not found (tried {candidates:?}; set {var}): `.ci/test` installs Debian's chromium and \
             chromium-driver",
            candidates[0]
        )
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// ChromeDriver's browser log (`/session/{id}/se/log`, type `browser`).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}

impl Browser {
    pub async fn start() -> Browser {
        let chromium = find("STUDYBOT_CHROMIUM", &["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
        let driver_bin = find("STUDYBOT_CHROMEDRIVER", &["/usr/bin/chromedriver"]);
        let port = free_port();
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        });
        let caps: serde_json::Map<String, Value> = serde_json::from_value(caps).unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector).capabilities(caps.clone()).connect(&url).await {
                Ok(c) => break c,
                Err(e) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot start a Chromium session through chromedriver: {e}"),
            }
        };
        Browser { client, driver, _profile: profile }
    }

    /// Opens a file (an absolute path) or URL.
    pub async fn open(&self, target: &str) {
        let url = if target.starts_with('/') { format!("file://{target}") } else { target.to_string() };
        self.client.goto(&url).await.unwrap();
    }

    /// The browser's console messages since the last call: (level, message).
    pub async fn console(&self) -> Vec<(String, String)> {
        let log = self.client.issue_cmd(BrowserLog).await.unwrap();
        log.as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| {
                        (e["level"].as_str().unwrap_or("").to_string(), e["message"].as_str().unwrap_or("").to_string())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Fails when the page logged an error or a warning (a CSP violation logs an error).
    pub async fn assert_quiet_console(&self, page: &str) {
        let noisy: Vec<_> = self.console().await.into_iter().filter(|(l, _)| l == "SEVERE" || l == "WARNING").collect();
        assert!(noisy.is_empty(), "{page}: the console has errors: {noisy:?}");
    }

    /// Fails when the page broke its Content-Security-Policy (for pages answered with an
    /// error status on purpose, which Chromium logs as an error of its own).
    pub async fn assert_no_csp_violation(&self, page: &str) {
        let violations: Vec<_> = self
            .console()
            .await
            .into_iter()
            .filter(|(_, m)| m.contains("Content Security Policy") || m.contains("Refused to"))
            .collect();
        assert!(violations.is_empty(), "{page}: {violations:?}");
    }

    /// Runs `script` (a function body) in the page and returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// Waits until `script` returns true (at most 10 s).
    pub async fn wait_for(&self, what: &str, script: &str) {
        let started = Instant::now();
        while self.js(script).await != Value::Bool(true) {
            assert!(started.elapsed() < Duration::from_secs(10), "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A full-page screenshot at a phone's and a desktop's width, as
    /// `target/browser-artifacts/<name>-phone.png` and `-desktop.png`.
    pub async fn screenshots(&self, name: &str) {
        let dir = artifacts();
        for (label, (w, h)) in [("phone", PHONE), ("desktop", DESKTOP)] {
            self.client.set_window_size(w, h).await.unwrap();
            let png = self.client.screenshot().await.unwrap();
            assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
            std::fs::write(dir.join(format!("{name}-{label}.png")), png).unwrap();
        }
        self.client.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Where the screenshots go: `target/browser-artifacts/`.
pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
