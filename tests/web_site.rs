//! `studybot site`: the static syllabus site, its files and links, then in a real headless
//! Chromium (file:// URLs, as a reader who downloaded it would open it): the search finds a
//! week and opens it, a search is linkable from the front page's form, the pages log no
//! console error (their Content-Security-Policy holds), and each page is screenshot at a
//! phone's and a desktop's width.

#[path = "support/browser.rs"]
mod browser;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn site(out: &Path) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_studybot"))
        .args(["site", "--out"])
        .arg(out)
        .env_remove("STUDYBOT_CONFIG")
        .env_remove("STUDYBOT_CURRICULUM")
        .env_remove("STUDYBOT_DATABASE")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// Every page, and every relative link in it resolving to a file of the site.
#[test]
fn the_site_has_a_page_per_week_and_no_broken_link() {
    let dir = tempfile::tempdir().unwrap();
    let printed = site(dir.path());
    let c = studybot::curriculum::Curriculum::embedded().unwrap();
    let weeks: usize = c.paths.iter().map(|p| p.weeks.len()).sum();
    // Index, path pages, week pages, tracks, resources, role, search.
    let pages = 1 + c.paths.len() + weeks + 4;
    assert_eq!(printed.trim(), format!("wrote {pages} pages and 4 assets to {}", dir.path().display()));
    let mut files = BTreeSet::new();
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.insert(p);
            }
        }
    }
    let week13 = dir.path().join("paths/architecture/week-13.html");
    let text = std::fs::read_to_string(&week13).unwrap();
    assert!(
        text.contains("<h1>Week 13: Theoretical Foundations: Ideas</h1>") && text.contains("CAP theorem"),
        "{text}"
    );
    let mut checked = 0;
    for f in files.iter().filter(|f| f.extension().is_some_and(|x| x == "html")) {
        let html = std::fs::read_to_string(f).unwrap();
        assert!(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"), "{}", f.display());
        assert!(html.contains("<main id=\"main\">") && html.contains("<html lang=\"en\">"), "{}", f.display());
        for part in html.split("href=\"").skip(1).chain(html.split("src=\"").skip(1)) {
            let link = &part[..part.find('"').unwrap()];
            if link.starts_with("https://") || link.starts_with('#') {
                continue;
            }
            let (file, _) = link.split_once(['#', '?']).unwrap_or((link, ""));
            let target = f.parent().unwrap().join(file);
            assert!(target.exists(), "{}: broken link {link}", f.display());
            checked += 1;
        }
    }
    assert!(checked > 500, "{checked} links checked");
    // The search index names every week once.
    let index = std::fs::read_to_string(dir.path().join("assets/search-index.js")).unwrap();
    for p in &c.paths {
        for w in &p.weeks {
            let link = format!("\"u\":\"paths/{}/week-{}.html\"", p.path.id, w.number);
            assert_eq!(index.matches(&link).count(), 1, "{link}");
        }
    }
    // Made from the curriculum alone: no database is opened, none is created.
    assert!(!dir.path().join("studybot.db").exists());
}

#[tokio::test]
async fn in_a_browser_the_search_finds_a_week_and_the_pages_are_clean() {
    let dir = tempfile::tempdir().unwrap();
    site(dir.path());
    let root = dir.path().display().to_string();
    let b = browser::Browser::start().await;

    // The front page's search form opens the search page with the words in its address.
    b.open(&format!("{root}/index.html")).await;
    b.assert_quiet_console("index").await;
    b.screenshots("site-index").await;
    let q = b.client.find(fantoccini::Locator::Id("q")).await.unwrap();
    q.send_keys("vector clocks\n").await.unwrap();
    b.wait_for("the search page", "return document.location.pathname.endsWith('/search.html')").await;
    b.wait_for("results", "return document.querySelectorAll('#results li').length > 0").await;
    let status = b.js("return document.getElementById('status').textContent").await;
    assert!(status.as_str().unwrap().contains("result"), "{status}");
    let first = b.js("return Array.from(document.querySelectorAll('#results a')).map(a => a.textContent)").await;
    let titles: Vec<&str> = first.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(titles.contains(&"Week 13: Theoretical Foundations: Ideas"), "{titles:?}");
    b.assert_quiet_console("search").await;
    b.screenshots("site-search").await;

    // Typing searches as one types; a result opens its week.
    let q = b.client.find(fantoccini::Locator::Id("q")).await.unwrap();
    q.clear().await.unwrap();
    q.send_keys("fencing stale").await.unwrap();
    b.wait_for(
        "week 16 first",
        "const a = document.querySelector('#results a'); return !!a && a.textContent.startsWith('Week 16')",
    )
    .await;
    b.client.find(fantoccini::Locator::Css("#results a")).await.unwrap().click().await.unwrap();
    b.wait_for("week 16", "return document.location.pathname.endsWith('/paths/architecture/week-16.html')").await;
    let h1 = b.client.find(fantoccini::Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(h1, "Week 16: Advanced Patterns: In Practice");
    b.assert_quiet_console("week").await;
    b.screenshots("site-week").await;

    // Nothing matches: said, and no result listed.
    b.open(&format!("{root}/search.html?q=gardening")).await;
    b.wait_for("the answer", "return document.getElementById('status').textContent.includes('Nothing matches')").await;
    assert_eq!(b.js("return document.querySelectorAll('#results li').length").await, 0);

    // The tracks page (the guide first) and the role page.
    b.open(&format!("{root}/tracks/index.html")).await;
    let h2 = b.js("return document.querySelector('main h2').textContent").await;
    assert_eq!(h2, "Choosing a specialization");
    b.assert_quiet_console("tracks").await;
    b.screenshots("site-tracks").await;
    b.open(&format!("{root}/role.html")).await;
    assert!(b.js("return document.body.textContent.includes('$151,277')").await == true);
    b.assert_quiet_console("role").await;
    b.screenshots("site-role").await;

    // The console check sees a policy violation (so a quiet console means the CSP held).
    let bad = dir.path().join("violation.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'\">\
         <script>document.title = 'ran'</script>",
    )
    .unwrap();
    b.open(&bad.display().to_string()).await;
    // The browser's log may lag the page a moment: read it until the violation shows.
    let mut console = Vec::new();
    let started = std::time::Instant::now();
    while !console.iter().any(|(l, m): &(String, String)| l == "SEVERE" && m.contains("Content Security Policy")) {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "no violation logged: {console:?}");
        console.extend(b.console().await);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_ne!(b.js("return document.title").await, "ran");
    b.close().await;
}
