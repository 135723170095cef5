//! Known-answer vectors: the bytes an independent verifier is checked against
//! (`docs/ghost-file.md`, "Known answers"). Each constant was produced once and is never
//! regenerated: a change that moves any of them changes the protocol, every ghost file and
//! model id, and is a new format version, not a refactor.
//!
//! Model A is two lookup layers from `testing::model` (seed 42); model B an embedding and a
//! lookup built from explicit weights. Hex is lowercase, hashes are BLAKE2b-256.

use ghost_primitives::{
    leaf_hash, row, testing, Beta, EmbeddingWeights, GhostFile, GhostProof, Input, LayerWeights, LookupParams,
    LookupWeights, Model, Shape, TreeKind, Verifier,
};

const A_FILE: &str = concat!(
    "47485354011c74657374696e670000080104000000030000000200000000000c000200000001100000000008",
    "00000010000000180000000abc127592b63b2857fd6392a5bbc363972a463708372bf7c659b99ad2ac526a7a",
    "87295b97e51e2ce7824fb0dbcda16f83ba4a76cfa503c090abf062b45fca3801030000000200000003000000",
    "0080010001000000000c00000000050000000a000000e915373dda1a671ca5dd652764581b13d003ebd19bb0",
    "64629ec4be3989bd7103db4f66a5b6e882105acbb681d1635966529316a7787285c84c518b8638900336"
);
const A_ID: &str = "fdcd22a4c528ee8f381f12ff657f684e4fad717d8f639c06963d648baa4ed8a9";
const A_LEAF_0_5: &str = "6c21ffa42b9f6243fbb94ca1d72caad222b4573be7a0ce3dc2bfc79e883f8b81";
const A_LINK_0: &str = "5059e3abcc0e107719fff7955226bf66b60a68bdb70d81805eb4e5a99dee5bc4";
const A_LINK_1: &str = "983fe7503f28bdb6d86acd1a9426e31a2decab0ad9b0badda67bf94e2a5da1fe";
const A_OUTPUT: [i16; 2] = [-401, 1493];
const A_PROOF: &str = concat!(
    "010201020100c05bdc36f21bf324874dd2478348ec2e01e35bb44a4df26b19e005320f1f4fd52e84c28f399f",
    "ac88aedc2aa1a1938b687b020e04fa708913be3aba3feb25e25be78001cd40b636b817a671be26b37889d101",
    "077c26eb1eb9ff22ecc037206ad4bc44fb9541128379a24cf98a7861705edfdaa4ab99564a46cb5fcdeed43f",
    "2e544cdc5283797906b342550e96867ccbed0b8923e6a5489af70584f97683a64b00b706f4408f78d93bfaeb",
    "c8c26b2a01542847f8f39f570b9f2086d72467ca546dc7f9ab10d5883442074de7dea8395bcb54b1d78a09a7",
    "e18fcc5babe42e9ed0be47f267b0606226c52afafc2450387aae4c03e5803be34ad5c565684fb7b4f60a0fcd",
    "b75c081bdd02493090681b3c4edc395853090a60eaef2dfdf47e67ceeb8dc3df0c3c20f852210f59d4201db7",
    "789e8da4c7010100e42cc70aaf5101f9e65f0f54841072a9ce8e4be3a3ae03b5d19df761092547215714ac3a",
    "ca51e903010000db03ae27934fae59c044f905a3729d6cc667bb49e37dc45f9abb01d602ae3f0303ca4bcd8e",
    "88172d66e5e5184377dae1ff2fad5317c0a92d9b40722d4d21e2dc9f6767a06a2d1b289676f890903f1287dc",
    "997bf42f8c4cd066ef66bc9c0490e99892066ca275aa9e1ca39ca443997cc0b527fa9ca1d846f6aa036e5f6c",
    "fdc1f2"
);

const B_FILE: &str = concat!(
    "4748535401306b6e6f776e2d616e73776572000008000500000004000000012e99d44f12eb12730eb88e6d20",
    "91436a8e184b3c3c96436713e9d3a9fe15c565010400000002000000020000000000100001000000010c0000",
    "00000300000006000000bd6c15a607717a52ee82c692107161297609d003917c1abda56394534b7cc6402ed4",
    "f7a31121d3a009b053dd577008b4af12e7c5a73ca9b5852117d63c4cc8f1"
);
const B_ID: &str = "350a5a6bab4c92dadf6eef7ccd548919b6d9cc3f8fd5204609ac8e3406b014ac";
const B_LINK_1: &str = "cd163771c590de902b4768827acda7fa5a5db698c0df4704a815811fd77b1ec8";
const B_PROOF: &str = concat!(
    "01020003bb58f058e914fe7a03734f2d36d3682bf74af1b8f311eeaffb8752143a0d1dfe6dadc74e7c544f17",
    "73d8ec8ee5f5823140997f87d85f61f02e0f0ab5d8c36c15faee784dfe5bba3680e6ba29640345878a0cb996",
    "9fca01dd8aa1ec951a736db4df3537ef898ec347a8010101ad5afd3cfe77de4801a3a2ddd8297a09083b4a80",
    "e53ed323b71701be50a546b6132692674869101afd020400e66de071dd10ca6ba903c5cc018125fba301de55",
    "df2bd216a84b01223630dbf6750344a86bb4a9a7837d3ac28daec222eef17126e31e9b9d6752ab"
);

fn model_a() -> Model {
    let first = LookupParams { d: 4, e: 3, k: 2, beta: Beta::from_int(12), n_probe: 2, normalize: true };
    let second = LookupParams { d: 3, e: 2, k: 3, beta: Beta::from_q16(0x0001_8000), n_probe: 1, normalize: false };
    testing::model(42, &[Shape { rows: 24, lists: 3, layer: first }, Shape { rows: 10, lists: 2, layer: second }])
        .expect("model A")
}

fn model_b() -> Model {
    let embedding =
        LayerWeights::Embedding(EmbeddingWeights { dim: 4, normalize: true, values: testing::entries(9, 0, 5 * 4) });
    let lookup = LayerWeights::Lookup(LookupWeights {
        params: LookupParams { d: 4, e: 2, k: 2, beta: Beta::from_int(16), n_probe: 1, normalize: true },
        offsets: vec![0, 3, 6],
        keys: testing::entries(9, 1, 24),
        values: testing::entries(9, 2, 12),
        centroids: testing::entries(9, 3, 8),
    });
    Model::new(b"known-answer".to_vec(), vec![embedding, lookup]).expect("model B")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

#[test]
fn ghost_files_and_ids_are_the_known_bytes() {
    for (model, file, id) in [(model_a(), A_FILE, A_ID), (model_b(), B_FILE, B_ID)] {
        assert_eq!(hex(&codec::Encode::encode(model.ghost_file())), file);
        assert_eq!(hex(&model.id()), id);
        // And back: the bytes decode to the same file, whose hash is the id.
        let verifier = Verifier::decode_expecting(&unhex(file), &model.id()).expect("known file decodes");
        assert_eq!(verifier.file(), model.ghost_file());
        assert_eq!(GhostFile::decode_bounded(&unhex(file)).expect("valid").id(), model.id());
    }
}

#[test]
fn a_leaf_hash_is_the_known_hash() {
    let model = model_a();
    let LookupWeights { keys, values, .. } = model.lookup_weights(0).expect("lookup layer");
    let leaf = leaf_hash(TreeKind::Patterns, 0, 5, &[row(keys, 4, 5).unwrap(), row(values, 3, 5).unwrap()]);
    assert_eq!(hex(&leaf), A_LEAF_0_5);
}

#[test]
fn traces_links_and_proofs_are_the_known_bytes() {
    let a = model_a();
    let input = testing::input(7, 4);
    assert_eq!(input, Input::Vector(vec![3598, 2640, -1158, 2974]));
    let (trace, proof) = a.prove(&input).expect("model A proves");
    let claim = trace.claim();
    assert_eq!(claim.output, A_OUTPUT);
    assert_eq!([hex(&claim.links[0]), hex(&claim.links[1])], [A_LINK_0, A_LINK_1]);
    assert_eq!(hex(&proof.encode()), A_PROOF);

    let b = model_b();
    let (trace, proof) = b.prove(&Input::Token(3)).expect("model B proves");
    assert_eq!(hex(&trace.claim().links[1]), B_LINK_1);
    assert_eq!(hex(&proof.encode()), B_PROOF);
}

#[test]
fn the_known_proofs_verify_from_bytes_alone() {
    // What an independent verifier does: ghost file bytes, input, claim, proof bytes.
    let links = |hashes: &[&str]| hashes.iter().map(|h| unhex(h).try_into().expect("32 bytes")).collect::<Vec<_>>();
    let verifier = Verifier::decode(&unhex(A_FILE)).expect("file A");
    let claim = ghost_primitives::Claim { output: A_OUTPUT.to_vec(), links: links(&[A_LINK_0, A_LINK_1]) };
    let input = Input::Vector(vec![3598, 2640, -1158, 2974]);
    verifier.verify(&[], &input, &claim, &unhex(A_PROOF)).expect("proof A verifies");
    let proof = GhostProof::decode(&unhex(A_PROOF), verifier.file()).expect("canonical");
    assert_eq!(hex(&proof.encode()), A_PROOF, "the encoding is canonical");
    let mut forged = claim.clone();
    forged.output[1] += 1;
    assert!(verifier.verify(&[], &input, &forged, &unhex(A_PROOF)).is_err());
}

/// `weights.scale` (a model directory's SCALE `Vec<LayerWeights>`) keeps the layout it had
/// when a lookup layer's parameters were its own fields: variant index, then `d`, `e`, `k`,
/// `beta` (Q16), `n_probe`, `normalize`, `offsets`, `keys`, `values`, `centroids`.
#[test]
fn weights_files_keep_their_layout() {
    use codec::Encode;
    let b = model_b();
    let (embedding, lookup) = (&b.weights()[0], &b.weights()[1]);
    let LayerWeights::Lookup(LookupWeights { params, offsets, keys, values, centroids }) = lookup else {
        panic!("lookup layer")
    };
    let flat = (
        1u8,
        (params.d, params.e, params.k, params.beta.q16(), params.n_probe, params.normalize),
        (offsets, keys, values, centroids),
    );
    assert_eq!(lookup.encode(), flat.encode());
    let LayerWeights::Embedding(EmbeddingWeights { dim, normalize, values }) = embedding else { panic!("embedding") };
    assert_eq!(embedding.encode(), (0u8, dim, normalize, values).encode());
}
