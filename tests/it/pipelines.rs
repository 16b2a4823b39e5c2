//! Every `fairaudit audit` command of docs/pipelines.md, run as the docs show
//! it (through `sh`), on the bundled data.

use std::path::Path;

use crate::fixture;

/// The `fairaudit audit ...` commands of the docs, with template syntax filled.
fn commands() -> Vec<String> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/pipelines.md"))
            .unwrap();
    doc.lines()
        .filter_map(|l| l.find("fairaudit audit").map(|i| l[i..].to_string()))
        // The prose line naming the tests is not a command.
        .filter(|c| c.contains("--spec"))
        .map(|c| {
            c.trim_end_matches(['\'', ',', ' '])
                .replace("{{ ds }}", "2026-11-28")
        })
        .collect()
}

#[test]
fn every_documented_pipeline_command_runs() {
    let cmds = commands();
    assert!(cmds.len() >= 4, "found {cmds:?}");
    // Scheduled checks must leave a record (issue 15, defect 4).
    for c in &cmds {
        assert!(
            c.contains("--record --store \"$STORE\""),
            "{c} records nothing"
        );
    }
    let bin = assert_cmd::cargo::cargo_bin("fairaudit");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for cmd in cmds {
        let reports = tempfile::tempdir().unwrap();
        let store = reports.path().join("history.db");
        let o = std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("PATH", &path)
            .env("DECISIONS", fixture("german_credit.csv"))
            .env("REPORTS", reports.path())
            .env("STORE", &store)
            .env("FAIRAUDIT_ACTOR", "pipeline test")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        // The bundled spec's policy fails on the sample: 1 is the gate working.
        assert!(matches!(o.status.code(), Some(0) | Some(1)), "{cmd}: {err}");
        let c = rusqlite::Connection::open(&store).unwrap();
        let by: String = c
            .query_row("SELECT recorded_by FROM runs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(by, "pipeline test", "{cmd}");
        for (flag, _) in cmd.match_indices("\"$REPORTS/") {
            let rest = &cmd[flag + 10..];
            let name = &rest[..rest.find('"').unwrap()];
            assert!(
                reports.path().join(name).exists(),
                "{cmd}: {name} not written"
            );
        }
    }
}
