//! The layering rules of ARCHITECTURE.md, checked on the source text:
//! - `src/bot/` (the Discord edge) never imports the database layer;
//! - no module imports form a cycle (module = file under `src/`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, as its module path (`bot::commands::group`).
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read src") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .filter(|f| !f.ends_with("main.rs") && !f.ends_with("lib.rs"))
        .map(|f| {
            let rel = f.strip_prefix(&root).expect("under src").with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if parts.last().is_some_and(|l| l == "mod") {
                parts.pop();
            }
            (parts.join("::"), std::fs::read_to_string(&f).expect("read module"))
        })
        .collect()
}

/// The code of a source file: no comments, no `#[cfg(test)]` module (tests may reach anywhere).
fn without_tests(src: &str) -> String {
    let code = src.find("#[cfg(test)]\nmod tests").map(|i| &src[..i]).unwrap_or(src);
    code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The modules a source file refers to with `crate::a::b...` or `super::x` paths, resolved to
/// the deepest existing module.
fn deps(name: &str, src: &str, all: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let text = without_tests(src);
    let text = text.as_str();
    let mut paths = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        paths.push(
            rest.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).next().unwrap_or("").to_string(),
        );
    }
    for (i, _) in text.match_indices("super::") {
        if text[..i].ends_with("::") {
            continue;
        }
        let rest = &text[i + "super::".len()..];
        let tail = rest.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).next().unwrap_or("");
        let is_mod_rs = all.iter().any(|m| m.starts_with(&format!("{name}::")));
        let mut base: Vec<&str> = name.split("::").collect();
        if !is_mod_rs {
            base.pop();
        }
        let joined = if base.is_empty() { tail.to_string() } else { format!("{}::{tail}", base.join("::")) };
        paths.push(joined);
    }
    for p in paths {
        let segs: Vec<&str> = p.split("::").filter(|s| !s.is_empty()).collect();
        let target = (1..=segs.len()).rev().map(|n| segs[..n].join("::")).find(|m| all.contains(m));
        if let Some(t) = target.filter(|t| t != name && !name.starts_with(&format!("{t}::"))) {
            out.insert(t);
        }
    }
    out
}

#[test]
fn the_discord_edge_never_imports_the_database_layer() {
    let offenders: Vec<String> = modules()
        .into_iter()
        .filter(|(name, src)| (name == "bot" || name.starts_with("bot::")) && without_tests(src).contains("crate::db"))
        .map(|(name, _)| name)
        .collect();
    assert!(offenders.is_empty(), "src/bot/ must call services, never crate::db: {offenders:?}");
}

#[test]
fn module_imports_have_no_cycles() {
    let mods = modules();
    let all: BTreeSet<String> = mods.keys().cloned().collect();
    let graph: BTreeMap<String, BTreeSet<String>> =
        mods.iter().map(|(n, src)| (n.clone(), deps(n, src, &all))).collect();
    // Depth-first search for a back edge; report the cycle's path.
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            match state.get(d.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| s == d).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(d.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(d, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, &graph, &mut state, &mut stack) {
                panic!("import cycle: {}", c.join(" -> "));
            }
        }
    }
    // The check sees real edges (a parser that found nothing would pass vacuously).
    assert!(graph["bot::commands::group"].contains("service::groups"), "{:?}", graph["bot::commands::group"]);
    assert!(graph["service::groups"].contains("db"), "{:?}", graph["service::groups"]);
}
