//! The fuzz targets on stable Rust, inside `cargo test`: every committed corpus input
//! (`fuzz/corpus/<target>/`), then seeded random mutations of them, through the same property
//! functions libFuzzer drives (`ecsnet::wire::fuzz_targets`). Bounded and repeatable:
//! `FUZZ_SEED` picks the mutations (default 1), `FUZZ_ITERATIONS` how many per target
//! (default 3000). A failing input is printed as a Rust byte string, ready to become a
//! regression test.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use ecsnet::store::AccessKey;
use ecsnet::wire::auth::{self, SignedParts};
use ecsnet::wire::fuzz_targets::{self, RawRequest};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("request_decoder", fuzz_targets::request_decoder),
    ("signature", fuzz_targets::signature),
    ("acs3_authorization", fuzz_targets::acs3_authorization),
    ("encoders", fuzz_targets::encoders),
];

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    inputs.sort();
    inputs
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn run_one(target: &str, run: Target, input: &[u8], origin: &str) {
    if catch_unwind(AssertUnwindSafe(|| run(input))).is_err() {
        panic!(
            "fuzz target {target} fails on {origin}:\nb\"{}\"",
            input.escape_ascii()
        );
    }
}

/// One random change: flip, insert, delete, duplicate or splice in part of another input.
fn mutate(rng: &mut StdRng, input: &[u8], others: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..rng.gen_range(1..=4) {
        let at = rng.gen_range(0..=out.len());
        match rng.gen_range(0..6) {
            0 if !out.is_empty() => {
                let i = rng.gen_range(0..out.len());
                out[i] ^= 1 << rng.gen_range(0..8);
            }
            1 => out.insert(at, rng.gen()),
            2 => {
                let special = b"=&%.+;,:\r\n\0\x7f\xff[]\"<>";
                out.insert(at, special[rng.gen_range(0..special.len())]);
            }
            3 if !out.is_empty() => {
                let end = (at + rng.gen_range(1..16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            4 if !out.is_empty() => {
                let start = rng.gen_range(0..out.len());
                let end = (start + rng.gen_range(1..32)).min(out.len());
                let chunk = out[start..end].to_vec();
                out.splice(at..at, chunk);
            }
            _ => {
                let (_, other) = &others[rng.gen_range(0..others.len())];
                if !other.is_empty() {
                    let start = rng.gen_range(0..other.len());
                    let end = (start + rng.gen_range(1..64)).min(other.len());
                    out.splice(at..at, other[start..end].iter().copied());
                }
            }
        }
    }
    out
}

#[test]
fn every_corpus_input_passes_every_property() {
    for (target, run) in TARGETS {
        let inputs = corpus(target);
        assert!(!inputs.is_empty(), "fuzz/corpus/{target} is empty");
        for (name, input) in &inputs {
            run_one(target, *run, input, &format!("fuzz/corpus/{target}/{name}"));
        }
    }
}

#[test]
fn seeded_mutations_of_the_corpus_pass_every_property() {
    let seed = env_number("FUZZ_SEED", 1);
    let iterations = env_number("FUZZ_ITERATIONS", 3000);
    for (index, (target, run)) in TARGETS.iter().enumerate() {
        let inputs = corpus(target);
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(index as u64));
        for i in 0..iterations {
            let input = if i % 10 == 0 {
                (0..rng.gen_range(0..256)).map(|_| rng.gen()).collect()
            } else {
                let (_, base) = &inputs[rng.gen_range(0..inputs.len())];
                mutate(&mut rng, base, &inputs)
            };
            run_one(
                target,
                *run,
                &input,
                &format!("mutation {i} (FUZZ_SEED={seed})"),
            );
        }
    }
}

/// The signature seeds are real SDK requests: each verifies with its secret as captured, so
/// the fuzzer starts from requests that reach the end of verification.
#[test]
fn the_signature_seeds_verify() {
    for (name, input) in corpus("signature") {
        let at = input.iter().position(|&b| b == b'\n').unwrap();
        let secret = String::from_utf8(input[..at].to_vec()).unwrap();
        let request = RawRequest::parse(&input[at + 1..]);
        let (query, body_params) = request.pairs();
        let parts = SignedParts {
            method: &request.method,
            query: &query,
            body_params: &body_params,
            headers: &request.headers,
            body: &request.body,
        };
        let claim = auth::claim(&parts).unwrap_or_else(|e| panic!("{name}: {e}"));
        let key = AccessKey {
            id: claim.access_key_id.clone(),
            secret,
            account_id: "1".into(),
            enabled: true,
        };
        auth::verify(&parts, &claim, &key).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
