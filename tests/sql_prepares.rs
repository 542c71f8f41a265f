//! Every SQL text of `src/db/` prepares on both engines: SQLite and PostgreSQL each parse and
//! plan it against the migrated schema (a column one backend lacks, a function or a type
//! rule only one engine accepts, a parameter PostgreSQL cannot type would fail here rather
//! than in the one code path that runs it). The texts are read from the source: every string
//! literal that begins a statement, `concat!` pieces joined (with the `*_columns!()` macros,
//! such as `group_columns!()`, expanded), and the `.sql` files under `src/db/reports/`.

mod support;

use std::path::Path;

/// The column-list macros (`macro_rules! NAME_columns`, one literal each) a source defines:
/// (`NAME_columns!()`, its literal).
fn column_macros(src: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(at) = rest.find("macro_rules! ") {
        let after = &rest[at + "macro_rules! ".len()..];
        let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.ends_with("_columns") {
            let start = after.find('"').expect("its literal") + 1;
            let end = start + after[start..].find('"').expect("its end");
            out.push((format!("{name}!()"), after[start..end].to_string()));
        }
        rest = after;
    }
    out
}

/// The string literals of `src` in order, `concat!(...)` groups joined into one.
fn literals(src: &str, macros: &[(String, String)]) -> Vec<String> {
    let mut src = src.to_string();
    for (call, text) in macros {
        src = src.replace(call.as_str(), &format!("\"{text}\""));
    }
    let bytes = src.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    let mut concat_depth: Option<(usize, String)> = None;
    let mut depth = 0usize;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if src[i..].starts_with("//") {
            i += src[i..].find('\n').unwrap_or(src.len() - i);
            continue;
        }
        if src[i..].starts_with("concat!(") && concat_depth.is_none() {
            concat_depth = Some((depth, String::new()));
            depth += 1;
            i += "concat!(".len();
            continue;
        }
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if let Some((d, text)) = &concat_depth
                    && *d == depth
                {
                    out.push(text.clone());
                    concat_depth = None;
                }
            }
            '\'' if i + 2 < bytes.len() && bytes[i + 2] == b'\'' => i += 2,
            '"' => {
                let mut end = i + 1;
                while end < bytes.len() && (bytes[end] != b'"' || bytes[end - 1] == b'\\') {
                    end += 1;
                }
                let lit = src[i + 1..end].replace("\\\n", " ").replace("\\\"", "\"");
                match &mut concat_depth {
                    Some((_, text)) => text.push_str(&lit),
                    None => out.push(lit),
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Every statement text of `src/db/`.
fn statements() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/db");
    // `group_columns!()` is used beyond groups.rs (the report loader).
    let shared = column_macros(&std::fs::read_to_string(dir.join("groups.rs")).expect("groups.rs"));
    assert!(shared.iter().any(|(m, _)| m == "group_columns!()"), "{shared:?}");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("src/db") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "rs") {
            let src = std::fs::read_to_string(&path).expect("source");
            // Tests inside the module may write deliberately broken rows.
            let code = src.find("#[cfg(test)]\nmod tests").map(|i| &src[..i]).unwrap_or(&src);
            let mut macros = shared.clone();
            macros.extend(column_macros(code));
            for lit in literals(code, &macros) {
                let head = lit.trim_start();
                let is_sql = ["SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH "].iter().any(|k| head.starts_with(k));
                // Texts built with format! (table names of the migration copy) are not fixed SQL.
                if is_sql && !lit.contains('{') {
                    out.push((name.clone(), lit));
                }
            }
        }
    }
    for entry in std::fs::read_dir(dir.join("reports")).expect("src/db/reports") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "sql") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, std::fs::read_to_string(&path).expect("sql file")));
        }
    }
    out
}

/// The engine a text is written for when only one runs it: the SQLite side of the migration
/// copy (its catalog), PostgreSQL's catalog and advisory locks (`serialize_on!`).
fn only_on(sql: &str) -> Option<&'static str> {
    if ["sqlite_master", "pragma_table_info"].iter().any(|k| sql.contains(k)) {
        Some("SQLite")
    } else if ["pg_advisory", "information_schema", "pg_get_serial_sequence"].iter().any(|k| sql.contains(k)) {
        Some("PostgreSQL")
    } else {
        None
    }
}

#[tokio::test]
async fn every_sql_text_prepares_on_sqlite_and_postgresql() {
    let texts = statements();
    // The extraction sees the statements (a parser that found nothing would pass vacuously).
    assert!(texts.len() >= 100, "only {} SQL texts found", texts.len());
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        texts.iter().any(|(_, s)| flat(s).contains("FROM study_groups g WHERE g.next_due_at <= $1 AND")),
        "the concat! pieces of db::groups::due are joined"
    );
    let dir = tempfile::tempdir().unwrap();
    let sqlite = studybot::db::open(dir.path().join("prepare.db")).await.unwrap();
    let postgres = studybot::db::open(studybot::db::Location::Postgres(test_postgres::database())).await.unwrap();
    let mut failures = Vec::new();
    for (file, sql) in &texts {
        for (engine, db) in [("SQLite", &sqlite), ("PostgreSQL", &postgres)] {
            if only_on(sql).is_some_and(|only| only != engine) {
                continue;
            }
            if let Err(e) = db.prepare(sql).await {
                failures.push(format!(
                    "{engine}, {file}: {e}\n    {}",
                    sql.split_whitespace().collect::<Vec<_>>().join(" ")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} texts do not prepare:\n{}",
        failures.len(),
        texts.len(),
        failures.join("\n")
    );
}
