//! The licence notice shipped with the binary and the image lists every locked crate; what a
//! self-hoster builds and runs ships what it should (see `shipped`).

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

/// What a self-hoster builds and runs ships no secret and nothing unused, and says what it
/// is: the checks that can be made on the files themselves (the image is not built here).
mod shipped {
    fn read(path: &str) -> String {
        std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// studybot's own licence is in the repository and the image, as Cargo.toml declares it.
    #[test]
    fn the_project_has_its_licence() {
        let licence = read("LICENSE");
        assert!(licence.starts_with("MIT License"), "{licence}");
        assert!(read("Cargo.toml").contains("license = \"MIT\""));
        assert!(read("Dockerfile").contains("COPY LICENSE /usr/share/doc/studybot/LICENSE"));
        // The notice carries the crates' licence texts, not only their names.
        let notice = read("THIRD_PARTY_LICENSES.md");
        assert!(notice.contains("## Licence texts") && notice.contains("Permission is hereby granted"));
        assert!(notice.contains("Apache License") && notice.contains("Version 2.0"));
    }

    /// No `.env` file anywhere in the build context (deploy/.env holds the token and the
    /// database password).
    #[test]
    fn no_env_file_reaches_the_build_context() {
        let ignore = read(".dockerignore");
        let patterns: Vec<&str> = ignore.lines().map(str::trim).collect();
        for p in ["**/.env", "**/.env.*"] {
            assert!(patterns.contains(&p), "{p} missing from .dockerignore");
        }
    }

    /// The image installs no package it does not use (no CA certificates: the binary's TLS
    /// uses its compiled-in roots) and pulls no unpinned Dockerfile frontend; the
    /// dependencies have their own layer.
    #[test]
    fn the_image_holds_only_what_runs() {
        let dockerfile = read("Dockerfile");
        assert!(!dockerfile.lines().any(|l| l.starts_with("# syntax=")), "an unpinned frontend");
        assert!(!dockerfile.contains("apt-get"), "a package installed in the image");
        assert!(dockerfile.contains("cargo chef cook"), "no dependency layer");
    }

    /// cargo audit keeps reporting every informational kind (unsound, notice, unmaintained);
    /// the one accepted advisory is named by its id.
    #[test]
    fn audit_hides_no_advisory_kind() {
        let audit = read(".cargo/audit.toml");
        assert!(!audit.lines().any(|l| l.trim_start().starts_with("informational_warnings")), "{audit}");
        assert!(audit.contains("\"RUSTSEC-2026-0192\""));
    }

    /// deploy/compose.yml: its shard total is the number of shards its services run, each
    /// shard by exactly one process, and it is not a setting of deploy/.env.
    #[test]
    fn compose_runs_every_shard_once() {
        let compose = read("deploy/compose.yml");
        let value =
            |line: &str, key: &str| line.trim().strip_prefix(key).map(|v| v.trim().trim_matches('"').to_string());
        let total: u32 = compose
            .lines()
            .find_map(|l| value(l, "STUDYBOT_SHARD_TOTAL:"))
            .expect("STUDYBOT_SHARD_TOTAL")
            .parse()
            .expect("a fixed number");
        let mut shards: Vec<u32> = Vec::new();
        for range in compose.lines().filter_map(|l| value(l, "STUDYBOT_SHARDS:")) {
            let (a, b) = range.split_once('-').expect("FIRST-LAST");
            shards.extend(a.parse::<u32>().unwrap()..=b.parse::<u32>().unwrap());
        }
        shards.sort_unstable();
        assert_eq!(shards, (0..total).collect::<Vec<_>>());
        assert!(!read("deploy/.env.example").contains("SHARD_TOTAL"));
    }
}
