//! The licence notice shipped with the binary and the image lists every locked crate.

#[test]
fn every_locked_crate_is_listed() {
    let root = env!("CARGO_MANIFEST_DIR");
    let lock = std::fs::read_to_string(format!("{root}/Cargo.lock")).expect("Cargo.lock");
    let notice = std::fs::read_to_string(format!("{root}/THIRD_PARTY_LICENSES.md")).expect("THIRD_PARTY_LICENSES.md");
    let own = ["studybot", "fake-discord", "test-postgres"];
    let mut missing = Vec::new();
    for package in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            package.lines().find_map(|l| l.strip_prefix(&format!("{key} = \"")).and_then(|v| v.strip_suffix('"')))
        };
        let (Some(name), Some(version)) = (field("name"), field("version")) else { continue };
        if !own.contains(&name) && !notice.contains(&format!("| {name} | {version} |")) {
            missing.push(format!("{name} {version}"));
        }
    }
    assert!(missing.is_empty(), "not in THIRD_PARTY_LICENSES.md (run .ci/licenses): {missing:?}");
}
