//! The compact wire primitives of ghost proofs: LEB128 varints (canonical only), zigzag
//! deltas of rows, gap-encoded ascending indices, raw 32-byte hashes.
//!
//! Decoding accepts exactly one encoding of each value: a varint with a redundant zero
//! continuation byte, a delta that leaves `i16`, or a read past the end is rejected with
//! the byte offset, so one proof has one byte string and any bit flip changes the proof.

use crate::{error::ProofFault, hash::Hash, Error, Result};
use alloc::vec::Vec;

/// Appends wire values to a byte vector.
#[derive(Default)]
pub struct Writer {
    /// The bytes written so far.
    pub bytes: Vec<u8>,
}

impl Writer {
    /// One byte.
    pub fn byte(&mut self, b: u8) {
        self.bytes.push(b);
    }

    /// An unsigned LEB128 varint.
    pub fn varint(&mut self, mut v: u64) {
        if v < 0x80 {
            self.bytes.push(v as u8);
            return;
        }
        loop {
            let low = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.bytes.push(low);
                return;
            }
            self.bytes.push(low | 0x80);
        }
    }

    /// A count or index.
    pub fn len(&mut self, n: usize) {
        self.varint(n as u64);
    }

    /// Strictly ascending indices: the count, the first, then each gap minus one.
    pub fn ascending(&mut self, indices: &[u32]) {
        self.len(indices.len());
        let mut prev: Option<u32> = None;
        for &i in indices {
            match prev {
                None => self.varint(i as u64),
                Some(p) => self.varint(i.wrapping_sub(p).wrapping_sub(1) as u64),
            }
            prev = Some(i);
        }
    }

    /// Rows of width `w` (flat), each entry as the zigzag varint of its difference from
    /// the same entry of the previous row (the first row from zero).
    pub fn rows(&mut self, flat: &[i16], w: usize) {
        if w == 0 {
            return;
        }
        // A delta of two i16 is within +-2^16, so its zigzag is below 2^17: three bytes at
        // most. Write into room for that, then cut to what was written.
        let mut at = self.bytes.len();
        self.bytes.resize(at + 3 * flat.len(), 0);
        for (i, &v) in flat.iter().enumerate() {
            let prev = if i >= w { flat[i - w] } else { 0 };
            let diff = v as i32 - prev as i32;
            let z = ((diff << 1) ^ (diff >> 31)) as u32;
            if z < 0x80 {
                self.bytes[at] = z as u8;
                at += 1;
            } else if z < 0x4000 {
                self.bytes[at] = (z as u8) | 0x80;
                self.bytes[at + 1] = (z >> 7) as u8;
                at += 2;
            } else {
                self.bytes[at] = (z as u8) | 0x80;
                self.bytes[at + 1] = ((z >> 7) as u8) | 0x80;
                self.bytes[at + 2] = (z >> 14) as u8;
                at += 3;
            }
        }
        self.bytes.truncate(at);
    }

    /// A count, then raw hashes.
    pub fn hashes(&mut self, hashes: &[Hash]) {
        self.len(hashes.len());
        for h in hashes {
            self.bytes.extend_from_slice(h);
        }
    }
}

/// Reads wire values from a byte slice, strictly.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Start at the first byte.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    fn fault(at: usize, fault: ProofFault) -> Error {
        Error::ProofMalformed { offset: at as u32, fault }
    }

    /// Fail unless every byte was read.
    pub fn finish(&self) -> Result<()> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(Error::ProofTrailingBytes { offset: self.pos as u32 })
        }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// One byte.
    pub fn byte(&mut self) -> Result<u8> {
        let b = *self.bytes.get(self.pos).ok_or_else(|| Self::fault(self.pos, ProofFault::Truncated))?;
        self.pos += 1;
        Ok(b)
    }

    /// A canonical LEB128 varint of at most 64 bits.
    #[inline]
    pub fn varint(&mut self) -> Result<u64> {
        // One or two bytes is nearly every value (gaps, row deltas): no loop. A canonical
        // second byte is not zero; anything else goes the long way, which says why.
        match (self.bytes.get(self.pos), self.bytes.get(self.pos + 1)) {
            (Some(&b), _) if b < 0x80 => {
                self.pos += 1;
                return Ok(b as u64);
            }
            (Some(&b0), Some(&b1)) if (1..0x80).contains(&b1) => {
                self.pos += 2;
                return Ok((b0 & 0x7f) as u64 | (b1 as u64) << 7);
            }
            _ => {}
        }
        self.varint_loop()
    }

    /// The varint decoding as the format defines it: seven bits a byte, canonical.
    #[inline(never)]
    fn varint_loop(&mut self) -> Result<u64> {
        let start = self.pos;
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = (b & 0x7f) as u64;
            if shift == 63 && bits > 1 {
                return Err(Self::fault(start, ProofFault::NonCanonicalVarint));
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                // Canonical: no redundant trailing zero group.
                if b == 0 && shift > 0 {
                    return Err(Self::fault(start, ProofFault::NonCanonicalVarint));
                }
                return Ok(v);
            }
        }
        Err(Self::fault(start, ProofFault::NonCanonicalVarint))
    }

    /// A varint that fits `u32`.
    #[inline]
    pub fn u32(&mut self) -> Result<u32> {
        let at = self.pos;
        u32::try_from(self.varint()?).map_err(|_| Self::fault(at, ProofFault::NumberTooLarge))
    }

    /// A count no larger than `max`.
    pub fn len(&mut self, max: usize) -> Result<usize> {
        let at = self.pos;
        let n = self.varint()?;
        if n > max as u64 {
            return Err(Self::fault(at, ProofFault::CountAboveBound));
        }
        Ok(n as usize)
    }

    /// Strictly ascending `u32` indices, at most `max` of them.
    pub fn ascending(&mut self, max: usize) -> Result<Vec<u32>> {
        let n = self.len(max)?;
        let mut out = Vec::with_capacity(n);
        let mut prev: Option<u32> = None;
        for _ in 0..n {
            let at = self.pos;
            let raw = self.u32()?;
            let next = match prev {
                None => Some(raw),
                Some(p) => p.checked_add(raw).and_then(|v| v.checked_add(1)),
            };
            let next = next.ok_or_else(|| Self::fault(at, ProofFault::NumberTooLarge))?;
            out.push(next);
            prev = Some(next);
        }
        Ok(out)
    }

    /// `count` rows of width `w`, as written by [`Writer::rows`].
    pub fn rows(&mut self, count: usize, w: usize) -> Result<Vec<i16>> {
        let total = count.checked_mul(w).ok_or_else(|| Self::fault(self.pos, ProofFault::CountBeyondEnd))?;
        // Each entry takes at least one byte: refuse to allocate for what cannot be there.
        if total > self.remaining() {
            return Err(Self::fault(self.pos, ProofFault::CountBeyondEnd));
        }
        // Each row is the previous one (zero before the first) plus its deltas: decode
        // straight into `out`, reading the previous row from it.
        let mut out = alloc::vec![0i16; total];
        for i in 0..total {
            let at = self.pos;
            let z = self.u32()?;
            // Zigzag in i64: no u32 value can overflow it, and the sum is range-checked.
            let diff = ((z >> 1) as i64) ^ -((z & 1) as i64);
            let prev = if i >= w { out[i - w] } else { 0 };
            out[i] = i16::try_from(i64::from(prev) + diff).map_err(|_| Self::fault(at, ProofFault::DeltaOutOfRange))?;
        }
        Ok(out)
    }

    /// A count of at most `max`, then that many raw hashes.
    pub fn hashes(&mut self, max: usize) -> Result<Vec<Hash>> {
        let n = self.len(max)?;
        if n.saturating_mul(32) > self.remaining() {
            return Err(Self::fault(self.pos, ProofFault::CountBeyondEnd));
        }
        // n * 32 fits: it is at most the bytes remaining.
        let raw =
            self.bytes.get(self.pos..self.pos + 32 * n).ok_or_else(|| Self::fault(self.pos, ProofFault::Truncated))?;
        self.pos += 32 * n;
        Ok(raw
            .chunks_exact(32)
            .map(|c| {
                let mut h = [0u8; 32];
                h.copy_from_slice(c);
                h
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn round_trips(
            v in any::<u64>(),
            idx in prop::collection::btree_set(any::<u32>(), 0..20),
            rows in prop::collection::vec(any::<i16>(), 0..40),
        ) {
            let idx: Vec<u32> = idx.into_iter().collect();
            let mut w = Writer::default();
            w.varint(v);
            w.ascending(&idx);
            w.rows(&rows[..rows.len() / 4 * 4], 4);
            let mut r = Reader::new(&w.bytes);
            prop_assert_eq!(r.varint().unwrap(), v);
            prop_assert_eq!(r.ascending(100).unwrap(), idx);
            prop_assert_eq!(r.rows(rows.len() / 4, 4).unwrap(), rows[..rows.len() / 4 * 4].to_vec());
            prop_assert!(r.finish().is_ok());
        }
    }

    /// `rows` as the format defines it, one `u32` varint at a time, each decoded by the
    /// general loop: the fast paths of `Reader::varint` must agree with it on any bytes,
    /// in value, position and error.
    fn rows_by_definition(bytes: &[u8], count: usize, w: usize) -> Result<(Vec<i16>, usize)> {
        let mut r = Reader::new(bytes);
        let total = count * w;
        if total > r.remaining() {
            return Err(Reader::fault(0, ProofFault::CountBeyondEnd));
        }
        let mut out: Vec<i16> = Vec::new();
        for i in 0..total {
            let at = r.pos;
            let z = u32::try_from(r.varint_loop()?).map_err(|_| Reader::fault(at, ProofFault::NumberTooLarge))?;
            let diff = ((z >> 1) as i64) ^ -((z & 1) as i64);
            let prev = if i >= w { out[i - w] } else { 0 };
            out.push(i16::try_from(prev as i64 + diff).map_err(|_| Reader::fault(at, ProofFault::DeltaOutOfRange))?);
        }
        Ok((out, r.pos))
    }

    proptest! {
        #[test]
        fn fast_row_decoding_is_the_definition(
            bytes in prop::collection::vec(prop_oneof![Just(0x00u8), Just(0x80), Just(0x7f), Just(0xff), Just(0x01), any::<u8>()], 0..40),
            count in 0usize..6,
            w in 1usize..5,
        ) {
            let mut r = Reader::new(&bytes);
            let fast = r.rows(count, w).map(|v| (v, r.pos));
            prop_assert_eq!(fast, rows_by_definition(&bytes, count, w));
        }
    }

    /// Each rejection names its reason.
    #[test]
    fn faults_name_their_reason() {
        let fault = |r: Result<()>| match r {
            Err(Error::ProofMalformed { fault, .. }) => Some(fault),
            _ => None,
        };
        assert_eq!(fault(Reader::new(&[0x80, 0x00]).varint().map(drop)), Some(ProofFault::NonCanonicalVarint));
        assert_eq!(fault(Reader::new(&[5, 0, 0, 0, 0, 0]).ascending(4).map(drop)), Some(ProofFault::CountAboveBound));
        assert_eq!(fault(Reader::new(&[3]).rows(4, 4).map(drop)), Some(ProofFault::CountBeyondEnd));
    }

    /// A zigzag entry whose difference overflows `i32` once added to the previous entry is
    /// refused as malformed (it used to overflow: a panic with overflow checks on, a silent
    /// wrap in release).
    #[test]
    fn row_entries_that_overflow_are_malformed() {
        // Row 1: +32767 (zigzag 65534). Row 2: a difference of +2^31 - 1 (zigzag 2^32 - 2).
        let bytes = [0xfe, 0xff, 0x03, 0xfe, 0xff, 0xff, 0xff, 0x0f];
        assert_eq!(
            Reader::new(&bytes).rows(2, 1),
            Err(Error::ProofMalformed { offset: 3, fault: ProofFault::DeltaOutOfRange })
        );
        // The same first row with an in-range second row decodes.
        assert_eq!(Reader::new(&[0xfe, 0xff, 0x03, 0x01]).rows(2, 1), Ok(alloc::vec![32767, 32766]));
    }

    #[test]
    fn rejects_non_canonical_and_short_input() {
        assert!(Reader::new(&[0x80, 0x00]).varint().is_err());
        assert!(Reader::new(&[0x80]).varint().is_err());
        assert!(Reader::new(&[0xff; 11]).varint().is_err());
        assert_eq!(
            Reader::new(&[0x05]).len(4),
            Err(Error::ProofMalformed { offset: 0, fault: ProofFault::CountAboveBound })
        );
        let mut r = Reader::new(&[0x01, 0x00]);
        r.byte().unwrap();
        assert_eq!(r.finish(), Err(Error::ProofTrailingBytes { offset: 1 }));
        // A delta that leaves i16 is rejected.
        let mut w = Writer::default();
        w.varint(2 * 40000);
        assert!(Reader::new(&w.bytes).rows(1, 1).is_err());
        // A two-byte varint whose second byte is zero is not canonical, in rows too.
        assert_eq!(
            Reader::new(&[0x80, 0x00]).rows(1, 1),
            Err(Error::ProofMalformed { offset: 0, fault: ProofFault::NonCanonicalVarint })
        );
    }
}
