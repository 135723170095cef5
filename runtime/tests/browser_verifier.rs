//! The browser verifier agrees with the runtime's.
//!
//! `ghost-verify` is the primitives' verifier behind `ghost-wire`'s answer check, built to
//! wasm for browsers (`crates/verify-js`, packed by `crates/ui`). Here its package, the
//! very files the page loads, runs under Node.js on a corpus of answers, honest and
//! tampered, and each verdict is compared with the runtime's: `GhostRegistry::verify_proof`
//! (what `GhostApi_verify_proof` runs) on this runtime, with the model registered in its
//! storage. Cases the wire check refuses before any proof is read (another model, another
//! input, unreadable fields) are compared with the native check `ghost verify` runs.
//!
//! The record decoders the page uses for `state_call` and the registry's bonds are
//! checked against this runtime's own encodings too.

use codec::Encode;
use ghost_primitives::{hex0x, testing, Claim, Input, InputShape, Model, Shape, Verifier};
use ghost_runtime::{Runtime, RuntimeGenesisConfig};
use ghost_wire::{check_answer, Answer, WireInput};
use pallet_ghost_registry::{BondInfo, Bonds, GhostFiles, ModelInfo, ModelStatus, Models};
use polkadot_sdk::{
    sp_core::crypto::AccountId32,
    sp_io::TestExternalities,
    sp_runtime::{BuildStorage, Perbill},
};
use serde_json::{json, Value};
use std::{path::Path, process::Command};

/// One question put to both verifiers.
struct Case {
    name: String,
    /// Which of `models()`.
    model: usize,
    sent: Input,
    answer: Answer,
}

fn models() -> Vec<Model> {
    vec![
        testing::model(1, &[Shape::new(64, 4).widths(8, 4).select(3, 2)]).unwrap(),
        testing::model(5, &[Shape::new(120, 6).widths(8, 6).select(4, 2), Shape::new(60, 3).widths(6, 3).select(3, 1)])
            .unwrap(),
        testing::model(9, &[Shape::new(256, 8).widths(16, 16).select(8, 2)]).unwrap(),
    ]
}

/// Honest answers, and each tampered in the ways a prover or a path could.
fn corpus(models: &[Model]) -> Vec<Case> {
    let mut cases = Vec::new();
    for (m, model) in models.iter().enumerate() {
        let Some(InputShape::Vector { dim: d }) = InputShape::of(model.ghost_file()) else {
            panic!("the corpus' models take vectors")
        };
        for q in 0..3u64 {
            let sent = testing::input(100 * m as u64 + q, d);
            let (trace, proof) = model.prove(&sent).unwrap();
            let honest = Answer::new(&model.id(), &sent, &trace.claim(), &proof.encode());
            let mut push = |name: String, answer: Answer, sent: &Input| {
                cases.push(Case { name: format!("model {m} input {q}: {name}"), model: m, sent: sent.clone(), answer })
            };
            push("honest".into(), honest.clone(), &sent);
            let bytes = honest.proof.0.len();
            for k in 0..12 {
                let at = (k * 7919 + q as usize * 131) % (bytes * 8);
                let mut a = honest.clone();
                a.proof.0[at / 8] ^= 1 << (at % 8);
                push(format!("proof bit {at} flipped"), a, &sent);
            }
            let mut a = honest.clone();
            a.proof.0.pop();
            push("proof truncated".into(), a, &sent);
            let mut a = honest.clone();
            a.proof.0.push(0);
            push("proof with a trailing byte".into(), a, &sent);
            let mut a = honest.clone();
            a.proof.0.clear();
            push("no proof".into(), a, &sent);
            let mut a = honest.clone();
            a.output[0] = a.output[0].wrapping_add(1);
            push("output changed".into(), a, &sent);
            let mut a = honest.clone();
            a.output.pop();
            push("output shortened".into(), a, &sent);
            let mut a = honest.clone();
            a.links[0] = hex0x(&[0x5a; 32]);
            push("first link replaced".into(), a, &sent);
            let mut a = honest.clone();
            a.links.pop();
            push("a link missing".into(), a, &sent);
            // A valid proof of another input, claimed for this one.
            let other = testing::input(100 * m as u64 + q + 50, d);
            let (other_trace, other_proof) = model.prove(&other).unwrap();
            let mut a = honest.clone();
            a.output = other_trace.claim().output;
            a.links = other_trace.claim().links.iter().map(|l| hex0x(l)).collect();
            a.proof.0 = other_proof.encode();
            push("another input's claim and proof".into(), a, &sent);
            let a = Answer::new(&model.id(), &other, &other_trace.claim(), &other_proof.encode());
            push("an honest answer to another input".into(), a, &sent);
            let mut a = honest.clone();
            a.model = hex0x(&[7; 32]);
            push("another model named".into(), a, &sent);
            let mut a = honest.clone();
            a.links[0] = "0x12".into();
            push("an unreadable link".into(), a, &sent);
        }
    }
    cases
}

const RUNNER: &str = r#"
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [dir, corpusPath] = process.argv.slice(2);
const glue = await import(pathToFileURL(`${dir}/ghost_verify.js`).href);
glue.initSync({ module: readFileSync(`${dir}/ghost_verify_bg.wasm`) });
const cases = JSON.parse(readFileSync(corpusPath, 'utf8'));
const verdicts = cases.map((c) => glue.verify(Uint8Array.from(Buffer.from(c.file, 'hex')), c.model, c.input, c.answer));
process.stdout.write(JSON.stringify(verdicts));
"#;

/// The package's files, as the page serves them, in `dir`.
fn unpack(dir: &Path) {
    for asset in ghost_ui::PACKAGE {
        std::fs::write(dir.join(asset.path.trim_start_matches("/pkg/")), asset.bytes).unwrap();
    }
}

/// Every case's verdict from the wasm verifier, run by Node.js.
fn wasm_verdicts(models: &[Model], cases: &[Case]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    unpack(dir.path());
    let corpus: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "file": hex::encode(models[c.model].ghost_file().encode()),
                "model": hex0x(&models[c.model].id()),
                "input": WireInput::from(&c.sent),
                "answer": c.answer,
            })
        })
        .collect();
    let corpus_path = dir.path().join("corpus.json");
    std::fs::write(&corpus_path, serde_json::to_vec(&corpus).unwrap()).unwrap();
    let runner = dir.path().join("run.mjs");
    std::fs::write(&runner, RUNNER).unwrap();
    let out = Command::new("node")
        .arg(&runner)
        .arg(dir.path())
        .arg(&corpus_path)
        .output()
        .expect("Node.js runs the wasm verifier (scripts/setup.sh installs it)");
    assert!(out.status.success(), "the wasm verifier failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("the verdicts are JSON")
}

fn runtime_storage() -> TestExternalities {
    RuntimeGenesisConfig::default().build_storage().unwrap().into()
}

fn register(model: &Model) {
    let file = model.ghost_file().encode();
    GhostFiles::<Runtime>::insert(model.id(), polkadot_sdk::frame_support::BoundedVec::try_from(file).unwrap());
}

#[test]
fn the_wasm_verifier_and_the_runtimes_agree_on_every_case_of_the_corpus() {
    let models = models();
    let cases = corpus(&models);
    let wasm = wasm_verdicts(&models, &cases);
    assert_eq!(wasm.len(), cases.len());
    let (mut verified, mut refused_by_runtime, mut refused_before) = (0, 0, 0);
    runtime_storage().execute_with(|| {
        for model in &models {
            register(model);
        }
        for (case, verdict) in cases.iter().zip(&wasm) {
            let name = &case.name;
            let model = &models[case.model];
            let file = Verifier::decode(&model.ghost_file().encode()).unwrap();
            // What the native wire check (`ghost verify`) says, for the kind and reason.
            let native = check_answer(&file, &case.answer, Some(&case.sent));
            match native {
                Err(
                    ghost_wire::Rejection::WrongModel { .. }
                    | ghost_wire::Rejection::WrongInput
                    | ghost_wire::Rejection::Malformed(_),
                ) => {
                    let why = native.unwrap_err();
                    assert_eq!(verdict["verified"], false, "{name}");
                    assert_eq!(verdict["kind"], why.kind(), "{name}");
                    assert_eq!(verdict["reason"], why.to_string(), "{name}");
                    refused_before += 1;
                }
                _ => {
                    let claim = case.answer.claim().unwrap();
                    let runtime = pallet_ghost_registry::Pallet::<Runtime>::verify_proof(
                        model.id(),
                        None,
                        case.sent.clone(),
                        Claim { output: claim.output, links: claim.links },
                        case.answer.proof.0.clone(),
                    );
                    match runtime {
                        Ok(()) => {
                            assert_eq!(verdict["verified"], true, "{name}: {verdict}");
                            verified += 1;
                        }
                        Err(e) => {
                            assert_eq!(verdict["verified"], false, "{name}");
                            assert_eq!(verdict["kind"], "invalid", "{name}");
                            assert_eq!(verdict["reason"], format!("the ghost proof does not verify: {e}"), "{name}");
                            refused_by_runtime += 1;
                        }
                    }
                }
            }
        }
    });
    // The corpus reaches every outcome: 9 honest answers, and the rest refused by one side
    // or the other.
    assert_eq!(verified, 9, "only the honest answers verify");
    assert!(refused_by_runtime >= 9 * 18, "{refused_by_runtime} refused by the runtime");
    assert_eq!(refused_before, 9 * 3);
}

#[test]
fn the_page_reads_the_runtimes_records_and_bonds_as_the_runtime_writes_them() {
    let models = models();
    let model = &models[1];
    let owner = AccountId32::new([3; 32]);
    let prover = AccountId32::new([9; 32]);
    runtime_storage().execute_with(|| {
        register(model);
        let info = ModelInfo {
            owner: owner.clone(),
            price: 12_345_678_901_234_567_890,
            royalty: Perbill::from_parts(125_000_000),
            deposit: 77,
            status: ModelStatus::Retired,
            parent: Some([4; 32]),
            training_data: None,
            registered_at: 1_234,
            shape: model.ghost_file().shape().unwrap(),
            roots: [6; 32],
        };
        Models::<Runtime>::insert(model.id(), info);
        let endpoint = b"http://prover.example:9955".to_vec().try_into().unwrap();
        Bonds::<Runtime>::insert(
            model.id(),
            &prover,
            BondInfo { amount: 5_000, locked: 10, withdrawable_at: Some(99), endpoint },
        );

        // What `state_call("GhostApi_model", id)` returns, decoded as the page decodes it.
        let answer = pallet_ghost_registry::Pallet::<Runtime>::model_and_file(model.id()).encode();
        let record = ghost_verify::chain::decode_model(&model.id(), &hex0x(&answer)).unwrap().expect("the model");
        assert_eq!(record.owner, hex0x(owner.as_ref()));
        assert_eq!(record.price, "12345678901234567890");
        assert_eq!(record.royalty_percent, 12.5);
        assert_eq!(record.deposit, "77");
        assert_eq!(record.status, ghost_verify::chain::Status::Retired);
        assert_eq!(record.parent, Some(hex0x(&[4; 32])));
        assert_eq!(record.training_data, None);
        assert_eq!(record.registered_at, 1_234);
        assert_eq!(record.layers, 2);
        assert!(record.file_matches);
        assert_eq!(ghost_verify::chain::decode_model(&[8; 32], &hex0x(&None::<()>.encode())).unwrap(), None);

        let key = Bonds::<Runtime>::hashed_key_for(model.id(), &prover);
        assert!(hex0x(&key).starts_with(&ghost_verify::chain::bonds_prefix(&model.id())));
        let value = polkadot_sdk::sp_io::storage::get(&key).expect("the bond is stored");
        let bond = ghost_verify::chain::decode_bond(&hex0x(&key), &hex0x(&value)).unwrap();
        assert_eq!(bond.prover, hex0x(prover.as_ref()));
        assert_eq!((bond.amount.as_str(), bond.locked.as_str(), bond.withdrawable_at), ("5000", "10", Some(99)));
        assert_eq!(bond.endpoint, "http://prover.example:9955");
        // Not a bond's key, not a bond's value.
        assert!(ghost_verify::chain::decode_bond(&hex0x(&key[..100]), &hex0x(&value)).is_err());
        assert!(ghost_verify::chain::decode_bond(&hex0x(&key), "0x00").is_err());
    });
}
