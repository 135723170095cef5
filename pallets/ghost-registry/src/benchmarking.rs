//! Benchmarks (FRAME v2), with real ghost files and sparse updates.

use super::*;
use crate::pallet::{BalanceOf, Pallet as Registry};
use alloc::vec::Vec;
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::{
    traits::{fungible::Mutate, Get},
    BoundedVec,
};
use frame_system::RawOrigin;
use ghost_primitives::{
    leaf_hash, limits, testing, Beta, Blake2b256, LayerSpec, LookupParams, LookupSpec, Model, ModelUpdate, Shape,
    TreeKind, UpdatedRow,
};
use polkadot_sdk::{frame_benchmarking, frame_support, frame_system};
use sp_runtime::traits::Bounded;

fn funded<T: Config>(name: &'static str) -> T::AccountId {
    let who: T::AccountId = account(name, 0, 0);
    let _ = T::Currency::mint_into(&who, BalanceOf::<T>::max_value() / 4u32.into());
    who
}

/// A model whose ghost file has about `lists * 4` bytes of offsets.
fn model_with_lists(lists: u32) -> Model {
    let n = lists.max(1) * 4;
    testing::model(7, &[Shape::new(n, lists.max(1)).widths(16, 16).select(8, 1)]).expect("benchmark model")
}

fn update_of(m: &Model, rows: u32) -> ModelUpdate {
    let indices: Vec<u32> = (0..rows).map(|i| i * 2).collect();
    testing::value_update(m, 0, &indices, |v| v ^ 1, None).expect("indices in range")
}

/// One lookup layer of `d = e = 1`, `k = n_probe = 1`, with the given offsets and roots.
fn narrow_layer(offsets: Vec<u32>, patterns_root: Hash) -> LayerSpec {
    LayerSpec::Lookup(LookupSpec {
        params: LookupParams { d: 1, e: 1, k: 1, beta: Beta::from_int(1), n_probe: 1, normalize: false },
        offsets,
        patterns_root,
        centroids_root: [2; 32],
    })
}

/// A valid ghost file of exactly `bytes` bytes (at least about 100): as many narrow layers
/// as fit, up to `MAX_LAYERS` (each validated and bounded on its own), the rest of the
/// bytes in the first layer's list offsets and the name. Roots are arbitrary: registering
/// does not need the weights.
fn file_of_bytes(bytes: u32) -> GhostFile {
    let layers = (bytes / 512).clamp(1, limits::MAX_LAYERS);
    let file = |lists: u32, name: usize| {
        let mut out = GhostFile::new(alloc::vec![b'g'; name], Vec::new());
        out.layers = (0..layers)
            .map(|l| narrow_layer(if l == 0 { (0..=lists).collect() } else { alloc::vec![0, 1] }, [l as u8; 32]))
            .collect();
        out
    };
    let len = |f: &GhostFile| f.encoded_size() as u32;
    let mut lists = (bytes.saturating_sub(len(&file(1, 0))) / 4).clamp(1, limits::MAX_LISTS);
    while lists > 1 && len(&file(lists, 0)) > bytes {
        lists -= 1;
    }
    // Fill the rest (less than a list's 4 bytes, or more where lists ran out) with the name.
    let mut name = bytes.saturating_sub(len(&file(lists, 0))).min(limits::MAX_NAME_BYTES) as usize;
    while name > 0 && len(&file(lists, name)) > bytes {
        name -= 1;
    }
    file(lists, name)
}

/// An inner node of a tree: `H(0x01 ‖ left ‖ right)` (`docs/protocol.md` §3.1).
fn node(left: &Hash, right: &Hash) -> Hash {
    Blake2b256::tagged(0x01).update(left).update(right).finalize()
}

/// The largest `n = indices + proof hashes` of an update [`scattered_update`] builds: all
/// `MaxUpdateRows` indices, each alone in a subtree as deep as a tree of `MAX_ROWS` leaves
/// allows (the worst case of a compact multiproof: `rows × (26 - log2 rows)` hashes for a
/// power of two).
fn max_update_nodes<T: Config>() -> u32 {
    let rows = T::MaxUpdateRows::get().clamp(1, limits::MAX_ROWS);
    let depth = (limits::MAX_ROWS / rows).ilog2();
    let extra = (limits::MAX_ROWS >> depth).saturating_sub(rows).min(rows - 1);
    rows + rows * depth + extra
}

/// A ghost file of one narrow lookup layer and a valid sparse update of its patterns with
/// `n` indices and proof hashes together: `i = min(n, MaxUpdateRows)` indices and `p = n - i`
/// proof hashes. With `p = i·h + r`, the tree has `(i + r)·2^h` leaves: the first `r`
/// indices each alone in a block of `2^(h+1)` leaves, the others alone in blocks of `2^h`;
/// every index then needs `h` (or `h + 1`) siblings and the blocks' roots need no more, so
/// the proof has exactly `p` hashes. The roots are computed from the proof (no tree).
fn scattered_update<T: Config>(n: u32) -> (GhostFile, ModelUpdate) {
    let i = n.clamp(1, T::MaxUpdateRows::get().max(1));
    let p = n.saturating_sub(i);
    let (h, r) = (p / i, p % i);
    let leaves = (i + r) << h;
    let indices: Vec<u32> =
        (0..i).map(|j| if j < r { j << (h + 1) } else { (r << (h + 1)) + ((j - r) << h) }).collect();
    // Arbitrary sibling hashes: the roots are computed from them.
    let proof: Vec<Hash> = (0..p).map(|x| ghost_primitives::blake2_256(&x.to_le_bytes())).collect();
    let row = |v: i16| UpdatedRow { key: alloc::vec![0], value: alloc::vec![v] };
    // Level by level, each index's sibling (all of them below level h, the first r at h),
    // in index order: what the compact multiproof lists.
    let root = |value: i16| {
        let mut nodes: Vec<Hash> =
            indices.iter().map(|&x| leaf_hash(TreeKind::Patterns, 0, x, &[&[0], &[value]])).collect();
        for level in 0..h {
            for (j, at) in nodes.iter_mut().enumerate() {
                *at = node(at, &proof[(level * i) as usize + j]);
            }
        }
        for j in 0..r as usize {
            nodes[j] = node(&nodes[j], &proof[(h * i) as usize + j]);
        }
        // The first r nodes are one level up already; pair the others, then pair up to the
        // root, the last node of an odd level promoted.
        let (big, small) = nodes.split_at(r as usize);
        let mut level: Vec<Hash> = big.to_vec();
        level.extend(small.chunks(2).map(|c| if c.len() == 2 { node(&c[0], &c[1]) } else { c[0] }));
        while level.len() > 1 {
            level = level.chunks(2).map(|c| if c.len() == 2 { node(&c[0], &c[1]) } else { c[0] }).collect();
        }
        // The ghost root binds the leaf count: `H(0x02 ‖ u32 count ‖ tree root)`.
        Blake2b256::tagged(0x02).update(&leaves.to_le_bytes()).update(&level[0]).finalize()
    };
    let file = GhostFile::new(b"scattered".to_vec(), alloc::vec![narrow_layer(alloc::vec![0, leaves], root(0))]);
    let update = ModelUpdate {
        layer: 0,
        tree: TreeKind::Patterns,
        indices: indices.clone(),
        old_rows: indices.iter().map(|_| row(0)).collect(),
        new_rows: indices.iter().map(|_| row(1)).collect(),
        proof,
        training_data: None,
    };
    (file, update)
}

/// Commit `owner` to `model` and move to the next block, where it may be registered.
fn committed<T: Config>(owner: &T::AccountId, model: ModelId) {
    let commitment = Registry::<T>::registration_commitment(owner, &model);
    Registry::<T>::commit_registration(RawOrigin::Signed(owner.clone()).into(), commitment).expect("commits");
    let next = frame_system::Pallet::<T>::block_number() + 1u32.into();
    frame_system::Pallet::<T>::set_block_number(next);
}

fn registered<T: Config>(owner: &T::AccountId, m: &Model) -> ModelId {
    let bytes: BoundedVec<u8, T::MaxGhostFileBytes> = m.ghost_file().encode().try_into().expect("fits");
    committed::<T>(owner, m.id());
    Registry::<T>::register(RawOrigin::Signed(owner.clone()).into(), bytes, 1, Perbill::zero()).expect("registers");
    m.id()
}

#[benchmarks]
mod benchmarks {
    use super::*;

    /// A ghost file of `b` bytes, over the whole range the chain stores: at the top, the
    /// largest file `register` admits (the bound less the room its versions' lineage
    /// takes). The file is built without weights (registering needs only the roots), so
    /// the wasm heap holds even the largest.
    #[benchmark]
    fn register(b: Linear<256, { Registry::<T>::max_file_bytes() }>) {
        let owner = funded::<T>("owner");
        let room = Registry::<T>::largest_version_bytes(&GhostFile::new(Vec::new(), Vec::new()), 0).unwrap_or(0);
        let file = file_of_bytes(b.min(Registry::<T>::max_file_bytes().saturating_sub(room)));
        let bytes: BoundedVec<u8, T::MaxGhostFileBytes> = file.encode().try_into().expect("fits");
        committed::<T>(&owner, file.id());
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), bytes, 1, Perbill::zero());
        assert!(Models::<T>::contains_key(file.id()));
    }

    /// `e` row entries in the update (old and new rows): the widest rows the chain admits
    /// (d = e = 1024), as many as `e` needs, at most `MaxUpdateRows`. The parent's ghost
    /// file is small: loading it is `load_ghost_file`; its multiproof is small, the
    /// multiproof's cost is `verify_update`. The owner committed to the version, whose
    /// commitment is consumed (the path with the most storage access).
    #[benchmark]
    fn publish_update(e: Linear<4, { T::MaxUpdateRows::get() * 4 * 1024 }>) {
        let owner = funded::<T>("owner");
        let rows = e.div_ceil(4 * 1024).clamp(1, T::MaxUpdateRows::get());
        let half = (e / rows / 4).clamp(1, 1024);
        let m = testing::model(7, &[Shape::new(2 * rows, 1).widths(half, half).select(1, 1)]).expect("benchmark model");
        let id = registered::<T>(&owner, &m);
        let update = update_of(&m, rows);
        let version = m.ghost_file().apply_update(&update).expect("valid update").id();
        committed::<T>(&owner, version);
        #[extrinsic_call]
        _(RawOrigin::Signed(owner.clone()), id, update, 1, Perbill::zero());
        assert!(Models::<T>::contains_key(version));
        assert!(!Commitments::<T>::contains_key(&owner, Registry::<T>::registration_commitment(&owner, &version)));
    }

    /// Verifying a sparse update and computing the version (`next_version`) for `n` =
    /// indices + proof hashes, up to all `MaxUpdateRows` indices scattered in a tree of
    /// `MAX_ROWS` leaves (the longest proof): counting the hashes the indices need, hashing
    /// the old and new leaves (narrow rows: the per-index cost; wider rows are
    /// `publish_update`'s entries) and both root walks of `n - 1` nodes.
    #[benchmark]
    fn verify_update(n: Linear<1, { max_update_nodes::<T>() }>) -> Result<(), BenchmarkError> {
        let (file, update) = scattered_update::<T>(n);
        let id = file.id();
        #[block]
        {
            let next = Registry::<T>::next_version(&file, &update).map_err(|_| BenchmarkError::Stop("valid update"))?;
            assert_eq!(next.parent, Some(id));
        }
        Ok(())
    }

    /// Reading and decoding a stored ghost file of about `f` bytes (what the verifying
    /// calls do with their model), then validating, encoding and hashing it (what
    /// `publish_update` does with the new version): an upper bound for both.
    #[benchmark]
    fn load_ghost_file(f: Linear<256, { T::MaxGhostFileBytes::get() }>) -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner");
        // One list per 4 bytes of offsets, one narrow row per list.
        let lists = (f.saturating_sub(200) / 4).clamp(1, ghost_primitives::limits::MAX_LISTS);
        let m = testing::model(7, &[Shape::new(lists, lists).widths(1, 1).select(1, 1)]).expect("benchmark model");
        let id = registered::<T>(&owner, &m);
        #[block]
        {
            let stored = Registry::<T>::verifier_of(&id).ok_or(BenchmarkError::Stop("stored"))?;
            let checked =
                ghost_primitives::Verifier::new(stored.into_file()).map_err(|_| BenchmarkError::Stop("valid"))?;
            assert_eq!(checked.id(), id);
        }
        Ok(())
    }

    #[benchmark]
    fn commit_registration() {
        let owner = funded::<T>("owner");
        let commitment = Registry::<T>::registration_commitment(&owner, &[7; 32]);
        #[extrinsic_call]
        _(RawOrigin::Signed(owner.clone()), commitment);
        assert!(Commitments::<T>::contains_key(&owner, commitment));
    }

    #[benchmark]
    fn cancel_commitment() -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner");
        let commitment = Registry::<T>::registration_commitment(&owner, &[7; 32]);
        Registry::<T>::commit_registration(RawOrigin::Signed(owner.clone()).into(), commitment)?;
        #[extrinsic_call]
        _(RawOrigin::Signed(owner.clone()), commitment);
        assert!(!Commitments::<T>::contains_key(&owner, commitment));
        Ok(())
    }

    #[benchmark]
    fn retire() {
        let owner = funded::<T>("owner");
        let id = registered::<T>(&owner, &model_with_lists(4));
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), id);
        assert_eq!(Models::<T>::get(id).map(|m| m.status), Some(ModelStatus::Retired));
    }

    #[benchmark]
    fn reap() -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner");
        let id = registered::<T>(&owner, &model_with_lists(4));
        Registry::<T>::retire(RawOrigin::Signed(owner.clone()).into(), id)?;
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), id);
        assert_eq!(Models::<T>::get(id).map(|m| m.status), Some(ModelStatus::Reaped));
        Ok(())
    }

    #[benchmark]
    fn bond() -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner");
        let prover = funded::<T>("prover");
        let id = registered::<T>(&owner, &model_with_lists(4));
        // The longest endpoint: validated byte by byte and stored.
        let mut url = b"https://".to_vec();
        url.resize(T::MaxEndpointBytes::get() as usize, b'p');
        let endpoint: crate::EndpointOf<T> = url.try_into().map_err(|_| BenchmarkError::Stop("endpoint bound"))?;
        #[extrinsic_call]
        _(RawOrigin::Signed(prover.clone()), id, T::MinBond::get(), endpoint);
        assert!(Bonds::<T>::contains_key(id, &prover));
        Ok(())
    }

    #[benchmark]
    fn unbond() -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner");
        let prover = funded::<T>("prover");
        let id = registered::<T>(&owner, &model_with_lists(4));
        Registry::<T>::bond(RawOrigin::Signed(prover.clone()).into(), id, T::MinBond::get(), Default::default())?;
        #[extrinsic_call]
        _(RawOrigin::Signed(prover.clone()), id);
        Ok(())
    }

    #[benchmark]
    fn withdraw() -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner");
        let prover = funded::<T>("prover");
        let id = registered::<T>(&owner, &model_with_lists(4));
        Registry::<T>::bond(RawOrigin::Signed(prover.clone()).into(), id, T::MinBond::get(), Default::default())?;
        Registry::<T>::unbond(RawOrigin::Signed(prover.clone()).into(), id)?;
        let later = frame_system::Pallet::<T>::block_number() + T::UnbondingDelay::get();
        frame_system::Pallet::<T>::set_block_number(later);
        #[extrinsic_call]
        _(RawOrigin::Signed(prover.clone()), id);
        assert!(!Bonds::<T>::contains_key(id, &prover));
        Ok(())
    }

    impl_benchmark_test_suite!(Registry, crate::mock::new_test_ext(), crate::mock::Test);
}
