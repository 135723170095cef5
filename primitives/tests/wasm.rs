//! The wasm build (no_std, as the runtime compiles it) and the native build compute the
//! same bits: same ghost file, same output and links, same proof bytes, same verdicts.
//!
//! The test compiles `ghost-wasm-harness` for `wasm32-unknown-unknown` (into a target
//! directory of its own beside this one, so the outer build's lock is not contended),
//! runs it under the wasmi interpreter, and compares with the native harness.

mod common;

use codec::{Decode, Encode};
use ghost_wasm_harness::{run, Job, Outcome};
use proptest::prelude::*;
use std::{path::PathBuf, process::Command, sync::OnceLock};

type Reply = Result<Outcome, ghost_primitives::Error>;

fn wasm_module() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| {
        // target/<profile>/deps/<this test> -> target/wasm-harness
        let exe = std::env::current_exe().expect("test binary path");
        let target = exe.ancestors().nth(3).expect("target directory").join("wasm-harness");
        let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(&workspace)
            .args(["build", "--release", "-p", "ghost-wasm-harness", "--target", "wasm32-unknown-unknown"])
            .arg("--target-dir")
            .arg(&target)
            .env_remove("RUSTFLAGS")
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the wasm harness failed");
        std::fs::read(target.join("wasm32-unknown-unknown/release/ghost_wasm_harness.wasm")).expect("wasm file")
    })
}

fn run_in_wasm(job: &Job) -> Reply {
    use wasmi::{Engine, Linker, Module, Store};
    let engine = Engine::default();
    let module = Module::new(&engine, wasm_module()).expect("valid wasm");
    let mut store = Store::new(&engine, ());
    let instance = Linker::<()>::new(&engine).instantiate_and_start(&mut store, &module).expect("instantiates");
    let alloc = instance.get_typed_func::<u32, u32>(&store, "ghost_alloc").expect("ghost_alloc");
    let call = instance.get_typed_func::<(u32, u32), u64>(&store, "ghost_run").expect("ghost_run");
    let memory = instance.get_memory(&store, "memory").expect("memory");
    let bytes = job.encode();
    let ptr = alloc.call(&mut store, bytes.len() as u32).expect("alloc");
    memory.write(&mut store, ptr as usize, &bytes).expect("write job");
    let packed = call.call(&mut store, (ptr, bytes.len() as u32)).expect("ghost_run does not trap");
    let (out_ptr, out_len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
    let mut out = vec![0u8; out_len];
    memory.read(&store, out_ptr, &mut out).expect("read outcome");
    Reply::decode(&mut &out[..]).expect("outcome decodes")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn wasm_and_native_agree(p in common::params(), q in any::<u64>(), flip in any::<prop::sample::Index>()) {
        let model = common::model(&p);
        let input = common::input(&p, q);
        let (_, proof) = model.prove(&input).unwrap();
        let mut foreign = proof.encode();
        // Half the time, hand over a tampered proof: both must reject it the same way.
        if q % 2 == 1 {
            let at = flip.index(foreign.len() * 8);
            foreign[at / 8] ^= 1 << (at % 8);
        }
        let job = Job { layers: model.weights().to_vec(), input, foreign_proof: foreign };
        let native = run(&job);
        let wasm = run_in_wasm(&job);
        prop_assert_eq!(&wasm, &native);
        let outcome = native.unwrap();
        prop_assert_eq!(outcome.foreign_verdict.is_ok(), q % 2 == 0);
    }
}
