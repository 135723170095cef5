//! The one error type of the protocol: every rejection says what failed and where.

use codec::{Decode, DecodeWithMemTracking, Encode};
use core::fmt;
use scale_info::TypeInfo;

/// Which of a layer's two trees a Merkle error concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum TreeKind {
    /// Key and value rows (or an embedding's rows).
    Patterns,
    /// Inverted-file centroids.
    Centroids,
}

impl TreeKind {
    /// The tag byte of this tree's leaves.
    pub const fn tag(self) -> u8 {
        match self {
            TreeKind::Patterns => 0,
            TreeKind::Centroids => 1,
        }
    }
}

/// Why a ghost file, proof, fraud proof, update or input was rejected.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum Error {
    // ---- ghost files ----
    /// The encoded ghost file is larger than the protocol bound.
    GhostFileTooLarge {
        /// Its length in bytes.
        len: u32,
        /// The most accepted.
        max: u32,
    },
    /// The bytes are not a SCALE-encoded ghost file (or have trailing bytes).
    GhostFileMalformed,
    /// The ghost file does not start with the magic `GHST`.
    BadMagic,
    /// The ghost file's format version is not one this code knows.
    UnsupportedVersion {
        /// The version found.
        version: u8,
    },
    /// The ghost file does not hash to the model id it was expected to have.
    ModelIdMismatch,
    /// A layer's architecture is inconsistent; `reason` names the rule broken.
    InvalidLayer {
        /// The layer.
        layer: u32,
        /// The rule broken.
        reason: LayerRule,
    },
    /// The model has no layers, too many, or a name that is too long.
    InvalidModel,

    // ---- inputs and weights ----
    /// The input is a vector where a token is expected, or the other way round.
    WrongInputKind,
    /// A vector (input, output or row) has the wrong length.
    WrongDimension {
        /// What was expected.
        expected: u32,
        /// What was found.
        got: u32,
    },
    /// A token id is not a row of the embedding.
    TokenOutOfRange {
        /// The token.
        token: u32,
        /// Rows of the embedding.
        rows: u32,
    },
    /// Weights given for a layer do not match its architecture.
    WeightsMismatch {
        /// The layer.
        layer: u32,
    },

    // ---- proof encoding ----
    /// The encoded proof is larger than the protocol bound.
    ProofTooLarge {
        /// Its length in bytes.
        len: u32,
        /// The most accepted.
        max: u32,
    },
    /// The proof cannot be decoded at byte `offset`, for the reason `fault` names.
    ProofMalformed {
        /// Byte offset into the encoding.
        offset: u32,
        /// What is wrong there.
        fault: ProofFault,
    },
    /// The proof has bytes after its last layer.
    ProofTrailingBytes {
        /// Byte offset into the encoding.
        offset: u32,
    },

    // ---- Merkle ----
    /// Multiproof indices must be strictly increasing (sorted, no duplicates).
    IndicesNotStrictlyIncreasing,
    /// A multiproof index is not a leaf of the tree.
    IndexOutOfRange {
        /// The index.
        index: u32,
        /// Leaves in the tree.
        leaves: u32,
    },
    /// A multiproof holds more or fewer hashes than its indices need.
    WrongProofHashCount {
        /// What was expected.
        expected: u32,
        /// What was found.
        got: u32,
    },
    /// A multiproof proves no leaf, or the tree is empty.
    EmptyMultiproof,
    /// The opened leaves do not hash up to the committed root.
    RootMismatch {
        /// The layer.
        layer: u32,
        /// Which tree.
        tree: TreeKind,
    },

    // ---- ghost proof verification ----
    /// The proof has a different number of layers, or a layer of another kind.
    LayerKindMismatch {
        /// The layer.
        layer: u32,
    },
    /// The proof probes the wrong number of lists (it must probe exactly `n_probe`).
    ProbedListCount {
        /// The layer.
        layer: u32,
        /// What was expected.
        expected: u32,
        /// What was found.
        got: u32,
    },
    /// A probed list id is not a list of the layer.
    ListOutOfRange {
        /// The layer.
        layer: u32,
        /// The list id.
        list: u32,
    },
    /// The proof selects the wrong number of rows (exactly `min(k, rows in probed lists)`).
    SelectedCount {
        /// The layer.
        layer: u32,
        /// What was expected.
        expected: u32,
        /// What was found.
        got: u32,
    },
    /// A selected row lies outside every probed list.
    RowNotInProbedList {
        /// The layer.
        layer: u32,
        /// The row.
        row: u32,
    },
    /// The embedding row opened is not the input token.
    TokenMismatch {
        /// What was expected.
        expected: u32,
        /// What was found.
        got: u32,
    },
    /// The recomputed output differs from the claimed output.
    OutputMismatch,
    /// The recomputed commitment chain differs from the claimed one at this layer.
    TraceMismatch {
        /// The layer.
        layer: u32,
    },
    /// The claim's chain has the wrong number of links.
    TraceLength {
        /// What was expected.
        expected: u32,
        /// What was found.
        got: u32,
    },

    // ---- fraud proofs ----
    /// Fraud proofs only concern lookup layers.
    NotALookupLayer {
        /// The layer.
        layer: u32,
    },
    /// An opened link does not hash to the committed link.
    LinkMismatch {
        /// The layer.
        layer: u32,
    },
    /// The "excluded" row or list was in fact selected or probed.
    NotExcluded {
        /// The row or list.
        index: u32,
    },
    /// The excluded row is outside every probed list, so the prover could not pick it.
    ExcludedRowNotProbed {
        /// The excluded row.
        row: u32,
    },
    /// The "beaten" row or list is not one the prover committed to.
    NotCommitted {
        /// The row or list.
        index: u32,
    },
    /// The excluded row or list does not outrank the committed one: no fraud.
    DoesNotOutrank,

    // ---- sparse updates ----
    /// Old and new rows of an update differ in count from its indices.
    UpdateShape,

    // ---- arithmetic ----
    /// A value left its documented range (only malformed weights can cause this).
    Overflow,
}

/// Why an encoded proof (ghost proof or fraud proof) could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum ProofFault {
    /// The bytes end before the proof does.
    Truncated,
    /// The first byte is not a proof format version this code knows (1).
    UnknownVersion,
    /// A varint has a redundant trailing zero group, or more than 64 bits.
    NonCanonicalVarint,
    /// A number does not fit where it goes (a varint above `u32`, an index sum overflowing).
    NumberTooLarge,
    /// A count is above its bound: more layers than the model, lists than `n_probe`, rows
    /// than `k`, or hashes than the opened leaves can need.
    CountAboveBound,
    /// A row entry's delta leaves `i16`.
    DeltaOutOfRange,
    /// A count promises more entries or hashes than bytes remain.
    CountBeyondEnd,
    /// The bytes are not the SCALE encoding of a fraud proof.
    NotScale,
}

impl fmt::Display for ProofFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProofFault::Truncated => "the bytes end early",
            ProofFault::UnknownVersion => "unknown proof version (1 expected)",
            ProofFault::NonCanonicalVarint => "non-canonical varint",
            ProofFault::NumberTooLarge => "number out of range",
            ProofFault::CountAboveBound => "count above its bound (n_probe, k, layers or hashes)",
            ProofFault::DeltaOutOfRange => "row delta leaves i16",
            ProofFault::CountBeyondEnd => "count needs more bytes than remain",
            ProofFault::NotScale => "not a SCALE-encoded fraud proof",
        })
    }
}

/// The architecture rule a layer breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub enum LayerRule {
    /// A dimension is zero or above `MAX_DIM`.
    Dimension,
    /// The input width does not equal the previous layer's output width.
    Chain,
    /// `k` is zero or above `MAX_K`.
    K,
    /// `n_probe` is zero, above `MAX_N_PROBE` or above the number of lists.
    NProbe,
    /// List offsets must start at 0, never decrease, and there must be 1..=MAX_LISTS lists.
    Offsets,
    /// Row count is zero or above `MAX_ROWS`.
    Rows,
    /// An embedding may only be the first layer.
    EmbeddingPosition,
}

/// Shorthand for results of this crate.
pub type Result<T> = core::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Error::*;
        match self {
            GhostFileTooLarge { len, max } => write!(f, "ghost file is {len} bytes, above the bound of {max}"),
            GhostFileMalformed => write!(f, "ghost file is not valid SCALE for this format"),
            BadMagic => write!(f, "ghost file does not start with the magic GHST"),
            UnsupportedVersion { version } => write!(f, "ghost file version {version} is not supported"),
            ModelIdMismatch => write!(f, "ghost file does not hash to the expected model id"),
            InvalidLayer { layer, reason } => write!(f, "layer {layer} breaks the rule {reason:?}"),
            InvalidModel => write!(f, "model has no layers, too many layers, or too long a name"),
            WrongInputKind => write!(f, "input kind (token or vector) does not match the model's first layer"),
            WrongDimension { expected, got } => write!(f, "vector has {got} entries, {expected} expected"),
            TokenOutOfRange { token, rows } => write!(f, "token {token} is not below the embedding's {rows} rows"),
            WeightsMismatch { layer } => write!(f, "weights of layer {layer} do not match its architecture"),
            ProofTooLarge { len, max } => write!(f, "proof is {len} bytes, above the bound of {max}"),
            ProofMalformed { offset, fault } => write!(f, "proof is malformed at byte {offset}: {fault}"),
            ProofTrailingBytes { offset } => write!(f, "proof has trailing bytes from byte {offset}"),
            IndicesNotStrictlyIncreasing => write!(f, "multiproof indices are not strictly increasing"),
            IndexOutOfRange { index, leaves } => write!(f, "leaf index {index} is not below the leaf count {leaves}"),
            WrongProofHashCount { expected, got } => {
                write!(f, "multiproof has {got} hashes, its indices need {expected}")
            }
            EmptyMultiproof => write!(f, "multiproof proves no leaf"),
            RootMismatch { layer, tree } => {
                write!(f, "opened {tree:?} rows of layer {layer} do not match the committed root")
            }
            LayerKindMismatch { layer } => write!(f, "proof layer {layer} is missing or of the wrong kind"),
            ProbedListCount { layer, expected, got } => {
                write!(f, "layer {layer} probes {got} lists, {expected} required")
            }
            ListOutOfRange { layer, list } => write!(f, "layer {layer} has no list {list}"),
            SelectedCount { layer, expected, got } => {
                write!(f, "layer {layer} selects {got} rows, {expected} required")
            }
            RowNotInProbedList { layer, row } => {
                write!(f, "layer {layer} selects row {row}, which is in no probed list")
            }
            TokenMismatch { expected, got } => write!(f, "embedding opens row {got}, the input token is {expected}"),
            OutputMismatch => write!(f, "recomputed output differs from the claimed output"),
            TraceMismatch { layer } => write!(f, "recomputed commitment differs from the claim at layer {layer}"),
            TraceLength { expected, got } => write!(f, "claim has {got} links, the model has {expected} layers"),
            NotALookupLayer { layer } => write!(f, "layer {layer} is not a lookup layer"),
            LinkMismatch { layer } => write!(f, "opened link does not hash to the committed link of layer {layer}"),
            NotExcluded { index } => write!(f, "{index} was selected or probed, so it was not excluded"),
            ExcludedRowNotProbed { row } => write!(f, "row {row} is in no probed list"),
            NotCommitted { index } => write!(f, "{index} is not among the committed rows or lists"),
            DoesNotOutrank => write!(f, "the excluded entry does not outrank the committed one"),
            UpdateShape => write!(f, "update has different counts of indices, old rows and new rows"),
            Overflow => write!(f, "arithmetic left its documented range"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
