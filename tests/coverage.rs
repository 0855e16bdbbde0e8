//! Every action ecsnet serves and every error code it can answer with is exercised by some wire
//! test: its name appears as a quoted string (`"JoinSecurityGroup"`, `"InvalidEniId.NotFound"`)
//! in a test file other than this one. Adding an action or a code without a test fails here.

use std::collections::BTreeSet;

/// The text of every `tests/*.rs` file except this one.
fn test_sources() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests");
    let mut sources: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("tests/ is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .filter(|path| path.file_name().is_some_and(|n| n != "coverage.rs"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("a readable test file");
            (name, text)
        })
        .collect();
    sources.sort();
    sources
}

/// The names in `wanted` that no source mentions as a quoted string.
fn unmentioned<'a>(
    wanted: impl IntoIterator<Item = &'a str>,
    sources: &[(String, String)],
) -> BTreeSet<&'a str> {
    wanted
        .into_iter()
        .filter(|name| {
            let quoted = format!("\"{name}\"");
            !sources.iter().any(|(_, text)| text.contains(&quoted))
        })
        .collect()
}

#[test]
fn every_action_and_every_error_code_has_a_wire_test() {
    let sources = test_sources();
    assert!(!sources.is_empty(), "no test files found");
    let actions = unmentioned(ecsnet::actions::TABLE.iter().map(|a| a.name), &sources);
    let codes = unmentioned(ecsnet::errors::Code::ALL.iter().map(|c| c.code()), &sources);
    let list = |items: &BTreeSet<&str>| {
        items
            .iter()
            .map(|i| format!("  {i}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let files: Vec<&str> = sources.iter().map(|(name, _)| name.as_str()).collect();
    assert!(
        actions.is_empty() && codes.is_empty(),
        "searched {files:?}\n{} action(s) without a wire test:\n{}\n{} error code(s) without a wire test:\n{}",
        actions.len(),
        list(&actions),
        codes.len(),
        list(&codes),
    );
}
