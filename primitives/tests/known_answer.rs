//! Known-answer vectors: the bytes an independent verifier is checked against
//! (`docs/ghost-file.md`, "Known answers"). Each constant was produced once and is never
//! regenerated: a change that moves any of them changes the protocol, every ghost file and
//! model id, and is a new format version, not a refactor.
//!
//! Model A is two lookup layers from `testing::model` (seed 42); model B an embedding and a
//! lookup built from explicit weights. Hex is lowercase, hashes are BLAKE2b-256.

use ghost_primitives::{
    leaf_hash, row, testing, Beta, EmbeddingWeights, Error, GhostFile, GhostProof, Input, LayerWeights, LookupParams,
    LookupWeights, Model, ProofFault, Shape, TreeKind, Verifier,
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

// ---- Byte rules of `docs/protocol.md` and `docs/ghost-file.md`, as vectors. ----

/// The model A claim and proof bytes, decoded from the constants above.
fn known_a() -> (Verifier, Input, ghost_primitives::Claim, Vec<u8>) {
    let verifier = Verifier::decode(&unhex(A_FILE)).expect("file A");
    let links = [A_LINK_0, A_LINK_1].iter().map(|h| unhex(h).try_into().expect("32 bytes")).collect();
    let claim = ghost_primitives::Claim { output: A_OUTPUT.to_vec(), links };
    (verifier, Input::Vector(vec![3598, 2640, -1158, 2974]), claim, unhex(A_PROOF))
}

/// `protocol.md` §5.2: `indices` is a count, then (only if the count is not zero) the first
/// index, then each gap minus one. Proof A opens lists 1 and 2 of its first layer:
/// `02 01 00` after the version, layer count and kind bytes.
#[test]
fn indices_are_a_count_the_first_then_gaps() {
    let (verifier, ..) = known_a();
    let bytes = unhex(A_PROOF);
    assert_eq!(bytes[..6], [0x01, 0x02, 0x01, 0x02, 0x01, 0x00]);
    let proof = GhostProof::decode(&bytes, verifier.file()).expect("proof A decodes");
    let ghost_primitives::LayerProof::Lookup(first) = &proof.layers[0] else { panic!("layer 0 is a lookup") };
    assert_eq!(first.probed, [1, 2]);
}

/// Model C: one lookup layer whose list 0 is empty. An input closest to list 0's centroid
/// probes it alone, so the honest proof selects no row: `indices(S)` is the single byte
/// `00` (no `first`), no rows, and a hash count of `00` (no multiproof). The empty set
/// wins over the non-empty multiproof rule of §3.4: no patterns multiproof is checked.
fn model_c() -> Model {
    let lookup = LayerWeights::Lookup(LookupWeights {
        params: LookupParams { d: 2, e: 2, k: 2, beta: Beta::from_int(1), n_probe: 1, normalize: true },
        offsets: vec![0, 0, 2],
        keys: vec![0, 16384, 0, -16384],
        values: vec![16384, 0, 0, 16384],
        centroids: vec![16384, 0, -16384, 0],
    });
    Model::new(b"empty-list".to_vec(), vec![lookup]).expect("model C")
}

#[test]
fn an_empty_selection_is_a_zero_count_and_no_hashes() {
    let c = model_c();
    let input = Input::Vector(vec![16384, 0]);
    let (trace, proof) = c.prove(&input).expect("model C proves");
    let claim = trace.claim();
    assert_eq!(claim.output, [0, 0], "an empty selection mixes to zero, and zero stays zero");
    // version 1, one layer, kind 1 (lookup); P = {0}: count 1, first 0; its centroid
    // (16384, 0) as zigzag varints (80 80 02, 00); one hash, its sibling leaf 1; then S:
    // count 0 and nothing else, and a hash count of 0.
    let sibling = leaf_hash(TreeKind::Centroids, 0, 1, &[&[-16384, 0]]);
    let mut expected = vec![0x01, 0x01, 0x01, 0x01, 0x00, 0x80, 0x80, 0x02, 0x00, 0x01];
    expected.extend_from_slice(&sibling);
    expected.extend_from_slice(&[0x00, 0x00]);
    let bytes = proof.encode();
    assert_eq!(hex(&bytes), hex(&expected));
    let verifier = Verifier::decode(&codec::Encode::encode(c.ghost_file())).expect("file C");
    verifier.verify(&[], &input, &claim, &bytes).expect("an empty selection verifies");

    // A patterns multiproof for no rows: its count is above the bound of 32 per opened leaf.
    let mut with_hash = bytes[..bytes.len() - 1].to_vec();
    with_hash.push(0x01);
    with_hash.extend_from_slice(&[0xab; 32]);
    assert_eq!(
        verifier.verify(&[], &input, &claim, &with_hash),
        Err(Error::ProofMalformed { offset: bytes.len() as u32 - 1, fault: ProofFault::CountAboveBound })
    );
    // A `first` written after a zero count is read as the hash count: one byte is left over.
    let mut with_first = bytes[..bytes.len() - 2].to_vec();
    with_first.extend_from_slice(&[0x00, 0x00, 0x00]);
    assert_eq!(
        verifier.verify(&[], &input, &claim, &with_first),
        Err(Error::ProofTrailingBytes { offset: bytes.len() as u32 })
    );
}

/// `ghost-file.md`: SCALE compact lengths are canonical only (parity-scale-codec refuses a
/// value in a wider mode than it needs), `bool` and `Option` tags are `00` or `01`. File B's
/// name length 12 is the byte `30` at offset 5.
#[test]
fn ghost_files_refuse_non_canonical_scale() {
    let good = unhex(B_FILE);
    assert_eq!(good[5], 0x30);
    let with = |at: usize, bytes: &[u8]| {
        let mut v = good[..at].to_vec();
        v.extend_from_slice(bytes);
        v.extend_from_slice(&good[at + 1..]);
        v
    };
    // 12 in the two-byte mode (`31 00`) and in the four-byte mode (`32 00 00 00`).
    for long in [with(5, &[0x31, 0x00]), with(5, &[0x32, 0x00, 0x00, 0x00])] {
        assert_eq!(GhostFile::decode_bounded(&long), Err(Error::GhostFileMalformed));
    }
    // `parent` (offset 18) with the tag 02; the first layer's tag (offset 21) as 02; the
    // embedding's `normalize` (offset 30) as 02.
    assert_eq!([good[18], good[21], good[30]], [0x00, 0x00, 0x01]);
    for at in [18, 21, 30] {
        assert_eq!(GhostFile::decode_bounded(&with(at, &[0x02])), Err(Error::GhostFileMalformed), "offset {at}");
    }
    assert!(GhostFile::decode_bounded(&good).is_ok());
}

/// `protocol.md` §3.1: a leaf's `layer` is the 0-based position of its layer in the ghost
/// file. The pattern leaves of model A's second layer, hashed by hand with `layer = 1`,
/// make that layer's committed root; with `layer = 0` they do not.
#[test]
fn a_leafs_layer_is_its_position_in_the_file() {
    let a = model_a();
    let LookupWeights { keys, values, offsets, .. } = a.lookup_weights(1).expect("layer 1 is a lookup");
    let rows = *offsets.last().expect("offsets");
    let leaves = |layer: u32| -> Vec<ghost_primitives::Hash> {
        (0..rows)
            .map(|i| {
                let mut message = vec![0x00, 0x00];
                message.extend_from_slice(&layer.to_le_bytes());
                message.extend_from_slice(&i.to_le_bytes());
                for v in row(keys, 3, i).expect("key").iter().chain(row(values, 2, i).expect("value")) {
                    message.extend_from_slice(&v.to_le_bytes());
                }
                ghost_primitives::blake2_256(&message)
            })
            .collect()
    };
    let ghost_primitives::LayerSpec::Lookup(spec) = &a.ghost_file().layers[1] else { panic!("layer 1 is a lookup") };
    let root = |layer| ghost_primitives::Tree::from_leaves(&leaves(layer)).expect("leaves").root();
    assert_eq!(root(1), spec.patterns_root);
    assert_ne!(root(0), spec.patterns_root);
}

/// `protocol.md` §9.7, order of checks: the input, then the whole proof's decoding, then
/// the link count, then each layer in order, then the output, then the links in order.
/// When several faults are present, the first in that order is the one reported.
#[test]
fn faults_are_reported_in_the_documented_order() {
    let (verifier, input, claim, proof) = known_a();
    let mut trailing = proof.clone();
    trailing.push(0);
    let mut bad_output = claim.clone();
    bad_output.output[0] += 1;
    let mut bad_links = bad_output.clone();
    bad_links.links[1][0] ^= 1;
    bad_links.links[0][0] ^= 1;
    let mut short = bad_output.clone();
    short.links.pop();

    // The input's width before the proof's bytes.
    let narrow = Input::Vector(vec![1, 2, 3]);
    assert_eq!(verifier.verify(&[], &narrow, &claim, &trailing), Err(Error::WrongDimension { expected: 4, got: 3 }));
    // The whole proof is decoded before the claim is looked at.
    assert_eq!(
        verifier.verify(&[], &input, &short, &trailing),
        Err(Error::ProofTrailingBytes { offset: proof.len() as u32 })
    );
    // The link count before any layer.
    assert_eq!(verifier.verify(&[], &input, &short, &proof), Err(Error::TraceLength { expected: 2, got: 1 }));
    // The output before the links, and the links from layer 0.
    assert_eq!(verifier.verify(&[], &input, &bad_links, &proof), Err(Error::OutputMismatch));
    let mut links_only = claim.clone();
    links_only.links = bad_links.links.clone();
    assert_eq!(verifier.verify(&[], &input, &links_only, &proof), Err(Error::TraceMismatch { layer: 0 }));
    // Within a layer, the centroids before the patterns; a layer before the next one.
    let decoded = GhostProof::decode(&proof, verifier.file()).expect("proof A decodes");
    let flip = |proof: &mut GhostProof, layer: usize, centroids: bool| {
        let ghost_primitives::LayerProof::Lookup(p) = &mut proof.layers[layer] else { panic!("lookup layers") };
        let hashes = if centroids { &mut p.centroids_proof } else { &mut p.patterns_proof };
        hashes.first_mut().expect("a multiproof hash")[0] ^= 1;
    };
    let mut later = decoded.clone();
    flip(&mut later, 1, false);
    assert_eq!(
        verifier.verify(&[], &input, &claim, &later.encode()),
        Err(Error::RootMismatch { layer: 1, tree: TreeKind::Patterns })
    );
    let mut earlier = later.clone();
    flip(&mut earlier, 0, false);
    assert_eq!(
        verifier.verify(&[], &input, &claim, &earlier.encode()),
        Err(Error::RootMismatch { layer: 0, tree: TreeKind::Patterns })
    );
    flip(&mut earlier, 0, true);
    assert_eq!(
        verifier.verify(&[], &input, &claim, &earlier.encode()),
        Err(Error::RootMismatch { layer: 0, tree: TreeKind::Centroids })
    );

    // Decoding: the version before anything else; the layer count against the model's.
    let mut version = trailing.clone();
    version[0] = 2;
    assert_eq!(
        verifier.verify(&[], &input, &claim, &version),
        Err(Error::ProofMalformed { offset: 0, fault: ProofFault::UnknownVersion })
    );
    let mut three = proof.clone();
    three[1] = 3;
    assert_eq!(
        verifier.verify(&[], &input, &claim, &three),
        Err(Error::ProofMalformed { offset: 1, fault: ProofFault::CountAboveBound })
    );
    let mut one = proof.clone();
    one[1] = 1;
    assert_eq!(verifier.verify(&[], &input, &claim, &one), Err(Error::LayerKindMismatch { layer: 1 }));

    // Ghost files: the id before the bytes (when within the size bound), then size, magic,
    // version, SCALE, architecture.
    let file = unhex(A_FILE);
    let mut bad_magic = file.clone();
    bad_magic[0] = b'X';
    bad_magic[4] = 9;
    let id: [u8; 32] = unhex(A_ID).try_into().expect("32 bytes");
    assert_eq!(Verifier::decode_expecting(&bad_magic, &id), Err(Error::ModelIdMismatch));
    assert_eq!(GhostFile::decode_bounded(&bad_magic), Err(Error::BadMagic));
    bad_magic[0] = b'G';
    assert_eq!(GhostFile::decode_bounded(&bad_magic), Err(Error::UnsupportedVersion { version: 9 }));
}

/// `protocol.md` §1: the bounds are reached. At `d = e = 1024`, `k = 256`, every entry
/// `-2^15` and `beta = 0` (every weight `2^30`): each score is `2^40`, each weighted value
/// sum `-2^53`, each mixed entry `-2^15`, the renormalisation's `q` is `2^40` and the
/// output `-512`; the proof verifies.
#[test]
fn the_arithmetic_bounds_are_reached_at_the_widest_shape() {
    let (d, rows) = (1024usize, 256u32);
    let floor = i16::MIN;
    assert_eq!(ghost_primitives::ranking::dot(&[floor; 1024], &[floor; 1024]), 1 << 40);
    for normalize in [false, true] {
        let lookup = LayerWeights::Lookup(LookupWeights {
            params: LookupParams { d: 1024, e: 1024, k: 256, beta: Beta::from_q16(0), n_probe: 1, normalize },
            offsets: vec![0, rows],
            keys: vec![floor; rows as usize * d],
            values: vec![floor; rows as usize * d],
            centroids: vec![floor; d],
        });
        let model = Model::new(b"bounds".to_vec(), vec![lookup]).expect("the widest shape");
        let input = Input::Vector(vec![floor; d]);
        let (trace, proof) = model.prove(&input).expect("no overflow at the bounds");
        let claim = trace.claim();
        assert_eq!(claim.output, vec![if normalize { -512 } else { floor }; d]);
        let file = codec::Encode::encode(model.ghost_file());
        let verifier = Verifier::decode(&file).expect("valid");
        verifier.verify(&[], &input, &claim, &proof.encode()).expect("verifies at the bounds");
    }
}

/// `protocol.md` §9.3: a hash in an answer (model id, links) is 64 hex digits of either
/// case, with or without one `0x`, surrounding whitespace ignored; `0X` is not a prefix and
/// `0x0x…` is not a hash (writers write one `0x` and lower case).
#[test]
fn hashes_are_hex_of_either_case_with_or_without_0x() {
    let id: [u8; 32] = unhex(A_ID).try_into().expect("32 bytes");
    let upper = A_ID.to_uppercase();
    let mixed: String =
        A_ID.chars().enumerate().map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c }).collect();
    for text in
        [format!("0x{A_ID}"), A_ID.to_string(), format!("0x{upper}"), upper.clone(), mixed, format!(" 0x{A_ID}\n")]
    {
        assert_eq!(ghost_primitives::parse_hash(&text), Ok(id), "{text:?}");
    }
    for text in [
        format!("0X{A_ID}"),
        format!("0x{}", &A_ID[..62]),
        format!("0x{A_ID}00"),
        format!("x{A_ID}"),
        format!("0x0x{A_ID}"),
    ] {
        assert!(ghost_primitives::parse_hash(&text).is_err(), "{text:?}");
    }
    assert_eq!(ghost_primitives::hex0x(&id), format!("0x{A_ID}"));
}

/// `protocol.md` §9.6: `GhostApi_verify_proof`'s arguments are the SCALE concatenation of
/// `model: [u8; 32]`, `prover: Option<AccountId32>`, `input: Input`, `claim: Claim`,
/// `proof: Vec<u8>`; it returns SCALE `Result<(), Error>`, `Error` in declaration order.
#[test]
fn the_runtime_api_call_and_its_answer_are_scale() {
    use codec::Encode;
    let (_, input, claim, proof) = known_a();
    let id: [u8; 32] = unhex(A_ID).try_into().expect("32 bytes");
    let args = (id, None::<[u8; 32]>, &input, &claim, &proof).encode();
    let mut expected = id.to_vec();
    expected.push(0x00); // no prover: unbound
    expected.extend_from_slice(&[0x01, 0x10]); // Input::Vector, 4 entries
    for v in [3598i16, 2640, -1158, 2974] {
        expected.extend_from_slice(&v.to_le_bytes());
    }
    expected.push(0x08); // 2 output entries
    for v in A_OUTPUT {
        expected.extend_from_slice(&v.to_le_bytes());
    }
    expected.push(0x08); // 2 links
    expected.extend(unhex(A_LINK_0));
    expected.extend(unhex(A_LINK_1));
    expected.extend_from_slice(&[0x9d, 0x07]); // compact 487: the proof's length
    expected.extend_from_slice(&proof);
    assert_eq!(proof.len(), 487);
    assert_eq!(hex(&args), hex(&expected));
    let bound = (id, Some([0x11u8; 32]), &input, &claim, &proof).encode();
    assert_eq!(bound[32..65], [[0x01].as_slice(), &[0x11; 32]].concat());

    let ok: Result<(), Error> = Ok(());
    assert_eq!(ok.encode(), [0x00]);
    let cases: [(Error, &[u8]); 8] = [
        (Error::GhostFileMalformed, &[0x01, 1]),
        (Error::ModelIdMismatch, &[0x01, 4]),
        (Error::WrongDimension { expected: 4, got: 3 }, &[0x01, 8, 4, 0, 0, 0, 3, 0, 0, 0]),
        (Error::ProofTooLarge { len: 1, max: 2 }, &[0x01, 11, 1, 0, 0, 0, 2, 0, 0, 0]),
        (Error::ProofMalformed { offset: 3, fault: ProofFault::NonCanonicalVarint }, &[0x01, 12, 3, 0, 0, 0, 2]),
        (Error::RootMismatch { layer: 1, tree: TreeKind::Centroids }, &[0x01, 18, 1, 0, 0, 0, 1]),
        (Error::OutputMismatch, &[0x01, 25]),
        (Error::Overflow, &[0x01, 35]),
    ];
    for (error, bytes) in cases {
        assert_eq!(Err::<(), _>(error.clone()).encode(), bytes, "{error:?}");
    }

    // Every variant's index, in the order of the table in §9.6.
    use ghost_primitives::LayerRule;
    let every = [
        Error::GhostFileTooLarge { len: 0, max: 0 },
        Error::GhostFileMalformed,
        Error::BadMagic,
        Error::UnsupportedVersion { version: 0 },
        Error::ModelIdMismatch,
        Error::InvalidLayer { layer: 0, reason: LayerRule::Dimension },
        Error::InvalidModel,
        Error::WrongInputKind,
        Error::WrongDimension { expected: 0, got: 0 },
        Error::TokenOutOfRange { token: 0, rows: 0 },
        Error::WeightsMismatch { layer: 0 },
        Error::ProofTooLarge { len: 0, max: 0 },
        Error::ProofMalformed { offset: 0, fault: ProofFault::Truncated },
        Error::ProofTrailingBytes { offset: 0 },
        Error::IndicesNotStrictlyIncreasing,
        Error::IndexOutOfRange { index: 0, leaves: 0 },
        Error::WrongProofHashCount { expected: 0, got: 0 },
        Error::EmptyMultiproof,
        Error::RootMismatch { layer: 0, tree: TreeKind::Patterns },
        Error::LayerKindMismatch { layer: 0 },
        Error::ProbedListCount { layer: 0, expected: 0, got: 0 },
        Error::ListOutOfRange { layer: 0, list: 0 },
        Error::SelectedCount { layer: 0, expected: 0, got: 0 },
        Error::RowNotInProbedList { layer: 0, row: 0 },
        Error::TokenMismatch { expected: 0, got: 0 },
        Error::OutputMismatch,
        Error::TraceMismatch { layer: 0 },
        Error::TraceLength { expected: 0, got: 0 },
        Error::NotALookupLayer { layer: 0 },
        Error::LinkMismatch { layer: 0 },
        Error::NotExcluded { index: 0 },
        Error::ExcludedRowNotProbed { row: 0 },
        Error::NotCommitted { index: 0 },
        Error::DoesNotOutrank,
        Error::UpdateShape,
        Error::Overflow,
    ];
    for (index, error) in every.iter().enumerate() {
        assert_eq!(error.encode()[0] as usize, index, "{error:?}");
    }
    let faults = [
        ProofFault::Truncated,
        ProofFault::UnknownVersion,
        ProofFault::NonCanonicalVarint,
        ProofFault::NumberTooLarge,
        ProofFault::CountAboveBound,
        ProofFault::DeltaOutOfRange,
        ProofFault::CountBeyondEnd,
        ProofFault::NotScale,
    ];
    for (index, fault) in faults.iter().enumerate() {
        assert_eq!(fault.encode(), [index as u8], "{fault:?}");
    }
    let rules = [
        LayerRule::Dimension,
        LayerRule::Chain,
        LayerRule::K,
        LayerRule::NProbe,
        LayerRule::Offsets,
        LayerRule::Rows,
        LayerRule::EmbeddingPosition,
    ];
    for (index, rule) in rules.iter().enumerate() {
        assert_eq!(rule.encode(), [index as u8], "{rule:?}");
    }
    assert_eq!(Error::UnsupportedVersion { version: 9 }.encode(), [3, 9], "a one-byte version");
}

const DISPUTE_DIGEST: &str = "877556133164e5ef9c7017f31f86ee0bddfd141967b69b105c82429149acd707";
const REGISTRATION_DIGEST: &str = "d1e0e74b22f6ba0de0ff1300bbdcbda4e1c7097f57acddacd66d9459f2227a0e";

/// `protocol.md` §8.3: a dispute commitment is `H(SCALE(who) || SCALE(id: u64) || salt ||
/// fraud bytes)`, a registration commitment `H(SCALE(owner) || model id)`.
#[test]
fn commitments_are_the_known_digests() {
    use ghost_primitives::commitment::{dispute, registration};
    let who = [7u8; 32];
    assert_eq!(hex(&dispute(&who, 5, &[9; 32], b"ev")), DISPUTE_DIGEST);
    let mut preimage = who.to_vec();
    preimage.extend_from_slice(&[5, 0, 0, 0, 0, 0, 0, 0]);
    preimage.extend_from_slice(&[9; 32]);
    preimage.extend_from_slice(b"ev");
    assert_eq!(hex(&ghost_primitives::blake2_256(&preimage)), DISPUTE_DIGEST);
    assert_eq!(hex(&registration(&who, &[1; 32])), REGISTRATION_DIGEST);
}

/// `protocol.md` §9.4: a real-valued input vector as the client quantises it, in `f32`.
#[cfg(feature = "float")]
mod quantisation {
    use ghost_primitives::{quantise_vector, Input};

    /// §9.4 step by step, as an independent implementation writes it.
    fn as_documented(v: &[f32], raw: bool) -> Vec<i16> {
        let mut sum = 0.0f32;
        for x in v {
            sum += x * x;
        }
        if !raw && sum.is_infinite() {
            let peak = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            return as_documented(&v.iter().map(|x| x / peak).collect::<Vec<_>>(), false);
        }
        let norm = sum.sqrt();
        let scale = if raw || norm == 0.0 { 1.0f32 } else { 1.0f32 / norm };
        v.iter()
            .map(|&x| {
                let q = (f64::from(x * scale) * 16384.0).round();
                q.clamp(-32768.0, 32767.0) as i16
            })
            .collect()
    }

    /// The same formula in `f64` (what §9.4 said before): it differs from the client on
    /// some inputs by one unit in one entry.
    fn in_f64(v: &[f32]) -> Vec<i16> {
        let norm = v.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>().sqrt();
        let norm = if norm == 0.0 { 1.0 } else { norm };
        v.iter().map(|&x| (f64::from(x) / norm * 16384.0).round().clamp(-32768.0, 32767.0) as i16).collect()
    }

    fn quantised(v: &[f32], raw: bool) -> Vec<i16> {
        match quantise_vector(v, raw) {
            Input::Vector(q) => q,
            Input::Token(_) => panic!("a vector quantises to a vector"),
        }
    }

    #[test]
    fn known_inputs_quantise_to_the_known_integers() {
        let cases: [(&[f32], bool, &[i16]); 9] = [
            (&[3.0, 4.0], false, &[9830, 13107]),
            // f64 gives 15429: the client's f32 gives 15430.
            (&[1.4, 0.5], false, &[15430, 5511]),
            // Dividing by the norm in f32 gives 11549: the client multiplies by 1/norm.
            (&[0.7, 2.1, 2.2], false, &[3675, 11025, 11550]),
            // Summing the squares right to left gives 14498: the client sums left to right.
            (&[0.6, 0.8, 1.9], false, &[4578, 6105, 14499]),
            (&[0.0, 0.0], false, &[0, 0]),
            // Halves round away from zero (2.5 -> 3, -2.5 -> -3, 0.5 -> 1).
            (&[2.5 / 16384.0, -2.5 / 16384.0, 0.5 / 16384.0], true, &[3, -3, 1]),
            (&[3.0, -3.0, 0.5], true, &[32767, -32768, 8192]),
            (&[-2.0, 1.99994], true, &[-32768, 32767]),
            // A square above f32's range: divided by its largest entry first.
            (&[1e20, 1.0], false, &[16384, 0]),
        ];
        for (v, raw, q) in cases {
            assert_eq!(quantised(v, raw), q, "{v:?} raw {raw}");
            assert_eq!(as_documented(v, raw), q, "{v:?} raw {raw}, as documented");
        }
        assert_eq!(in_f64(&[1.4, 0.5]), [15429, 5511]);
        assert_eq!(in_f64(&[1e20, 1.0]), [16384, 0]);
    }

    /// The client computes what §9.4 says on many inputs (a fixed pseudo-random sample).
    #[test]
    fn the_client_computes_what_the_document_says() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u32
        };
        let mut differ_from_f64 = 0;
        for n in 0..4000 {
            let dim = 1 + next() as usize % 24;
            // Entries with one decimal (as typed) or arbitrary f32 in [-2, 2).
            let v: Vec<f32> = (0..dim)
                .map(|_| {
                    if n % 2 == 0 {
                        format!("{}", (next() % 61) as f64 / 10.0 - 3.0).parse::<f32>().expect("a number")
                    } else {
                        (next() as f32 / (1u64 << 31) as f32) * 4.0 - 2.0
                    }
                })
                .collect();
            for raw in [false, true] {
                assert_eq!(quantised(&v, raw), as_documented(&v, raw), "{v:?} raw {raw}");
            }
            differ_from_f64 += usize::from(quantised(&v, false) != in_f64(&v));
        }
        assert!(differ_from_f64 > 0, "the sample tells f32 from f64");
    }
}
