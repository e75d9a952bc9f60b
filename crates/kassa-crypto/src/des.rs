//! DES and triple DES (FIPS 46-3), table driven.
//!
//! Why by hand: every transaction runs several ANSI X9.19 MACs (terminal and
//! network link, both ways) and PIN translations, and the `des` crate spent
//! about 250 ns per block here — the largest single cost of an authorization
//! (`perf` under `kassa bench`). This implementation folds the S-boxes and
//! the P permutation into eight 64-entry tables, and the initial and final
//! permutations into nibble tables, all computed at compile time from the
//! standard's tables below; triple DES and CBC chains skip the permutations
//! between their inner blocks. It is checked against the `des` crate on
//! random keys and blocks, and against the published vectors.
//!
//! Like the crate it replaces, it looks tables up by secret-dependent index:
//! it is not constant time. Production keys belong in a hardware security
//! module (`cryptoki`); this serves the software module and the terminals.

use zeroize::{Zeroize, ZeroizeOnDrop};

/// The initial permutation: output bit i (1-based, most significant first)
/// is input bit `IP[i]`.
const IP: [u8; 64] = [
    58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32,
    24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47,
    39, 31, 23, 15, 7,
];

/// Permuted choice 1: the 56 key bits that are not parity.
const PC1: [u8; 56] = [
    57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36, 63, 55,
    47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];

/// Permuted choice 2: a round's 48 subkey bits from the 56.
const PC2: [u8; 48] = [
    14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37, 47, 55, 30,
    40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];

/// Left rotations of the key halves before each round.
const SHIFTS: [u32; 16] = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

/// The permutation applied to the S-boxes' output.
const P: [u8; 32] = [
    16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4,
    25,
];

/// The eight S-boxes, each four rows of sixteen.
const S: [[[u8; 16]; 4]; 8] = [
    [
        [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7],
        [0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8],
        [4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0],
        [15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
    ],
    [
        [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10],
        [3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5],
        [0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15],
        [13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
    ],
    [
        [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8],
        [13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1],
        [13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7],
        [1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
    ],
    [
        [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15],
        [13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9],
        [10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4],
        [3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
    ],
    [
        [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9],
        [14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6],
        [4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14],
        [11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
    ],
    [
        [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11],
        [10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8],
        [9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6],
        [4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
    ],
    [
        [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1],
        [13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6],
        [1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2],
        [6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
    ],
    [
        [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7],
        [1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2],
        [7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8],
        [2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
    ],
];

/// Permutes the low `width_in` bits of `input` by `table` (1-based positions,
/// most significant first); the result has `table.len()` bits.
const fn permute(input: u64, width_in: u32, table: &[u8]) -> u64 {
    let mut out = 0u64;
    let mut i = 0;
    while i < table.len() {
        let bit = (input >> (width_in - table[i] as u32)) & 1;
        out = (out << 1) | bit;
        i += 1;
    }
    out
}

/// The final permutation, the inverse of [`IP`].
const FP: [u8; 64] = {
    let mut fp = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        fp[IP[i] as usize - 1] = i as u8 + 1;
        i += 1;
    }
    fp
};

/// A 64-bit permutation as sixteen tables, one per input nibble.
type NibbleTables = [[u64; 16]; 16];

const fn nibble_tables(table: &[u8; 64]) -> NibbleTables {
    let mut tables = [[0u64; 16]; 16];
    let mut position = 0;
    while position < 16 {
        let mut value = 0;
        while value < 16 {
            tables[position][value] = permute((value as u64) << (60 - 4 * position), 64, table);
            value += 1;
        }
        position += 1;
    }
    tables
}

static IP_TABLES: NibbleTables = nibble_tables(&IP);
static FP_TABLES: NibbleTables = nibble_tables(&FP);

/// S-box `j` followed by P, for each 6-bit input.
static SP: [[u32; 64]; 8] = {
    let mut sp = [[0u32; 64]; 8];
    let mut j = 0;
    while j < 8 {
        let mut b = 0;
        while b < 64 {
            let row = ((b >> 4) & 2) | (b & 1);
            let column = (b >> 1) & 0xF;
            let s = S[j][row][column] as u64;
            sp[j][b] = permute(s << (28 - 4 * j), 32, &P) as u32;
            b += 1;
        }
        j += 1;
    }
    sp
};

#[inline(always)]
fn by_nibbles(x: u64, tables: &NibbleTables) -> u64 {
    let mut out = 0;
    for (position, table) in tables.iter().enumerate() {
        out |= table[((x >> (60 - 4 * position)) & 0xF) as usize];
    }
    out
}

/// One key's 16 round subkeys, each split into the 6-bit groups that meet
/// the even S-boxes (first) and the odd ones (second), placed where the
/// rotated half-block puts their inputs.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct Schedule([(u32, u32); 16]);

impl Schedule {
    pub(crate) fn new(key: [u8; 8]) -> Schedule {
        let cd = permute(u64::from_be_bytes(key), 64, &PC1);
        let (mut c, mut d) = ((cd >> 28) as u32, (cd & 0x0FFF_FFFF) as u32);
        let mut rounds = [(0u32, 0u32); 16];
        for (round, shift) in rounds.iter_mut().zip(SHIFTS) {
            c = ((c << shift) | (c >> (28 - shift))) & 0x0FFF_FFFF;
            d = ((d << shift) | (d >> (28 - shift))) & 0x0FFF_FFFF;
            let k = permute((u64::from(c) << 28) | u64::from(d), 56, &PC2);
            let group = |j: u32| ((k >> (42 - 6 * j)) & 0x3F) as u32;
            *round = (
                group(0) | group(2) << 24 | group(4) << 16 | group(6) << 8,
                group(1) | group(3) << 24 | group(5) << 16 | group(7) << 8,
            );
        }
        Schedule(rounds)
    }

    /// The sixteen rounds on a block already through IP; the result is the
    /// pre-output (halves swapped), ready for FP.
    #[inline(always)]
    fn rounds(&self, block: u64, decrypt: bool) -> u64 {
        let (mut l, mut r) = ((block >> 32) as u32, block as u32);
        let mut round = |&(even, odd): &(u32, u32)| {
            let w = r.rotate_left(5) ^ even;
            let x = r.rotate_left(9) ^ odd;
            let f = SP[0][(w & 0x3F) as usize]
                ^ SP[2][((w >> 24) & 0x3F) as usize]
                ^ SP[4][((w >> 16) & 0x3F) as usize]
                ^ SP[6][((w >> 8) & 0x3F) as usize]
                ^ SP[1][(x & 0x3F) as usize]
                ^ SP[3][((x >> 24) & 0x3F) as usize]
                ^ SP[5][((x >> 16) & 0x3F) as usize]
                ^ SP[7][((x >> 8) & 0x3F) as usize];
            (l, r) = (r, l ^ f);
        };
        if decrypt {
            self.0.iter().rev().for_each(&mut round);
        } else {
            self.0.iter().for_each(&mut round);
        }
        (u64::from(r) << 32) | u64::from(l)
    }
}

/// Single DES (one schedule) or triple DES EDE (three; K1 K2 K1 for
/// double-length keys).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) enum DesCipher {
    Single(Schedule),
    Triple(Box<[Schedule; 3]>),
}

impl DesCipher {
    /// From an 8-, 16- or 24-byte key; `None` for any other length.
    pub(crate) fn new(key: &[u8]) -> Option<DesCipher> {
        let part = |i: usize| key.get(i * 8..i * 8 + 8).and_then(|b| <[u8; 8]>::try_from(b).ok());
        match key.len() {
            8 => Some(DesCipher::Single(Schedule::new(part(0)?))),
            16 => Some(DesCipher::Triple(Box::new([
                Schedule::new(part(0)?),
                Schedule::new(part(1)?),
                Schedule::new(part(0)?),
            ]))),
            24 => Some(DesCipher::Triple(Box::new([
                Schedule::new(part(0)?),
                Schedule::new(part(1)?),
                Schedule::new(part(2)?),
            ]))),
            _ => None,
        }
    }

    /// The cipher between IP and FP (inner permutations cancel out).
    #[inline(always)]
    fn core(&self, block: u64, decrypt: bool) -> u64 {
        match self {
            DesCipher::Single(k) => k.rounds(block, decrypt),
            DesCipher::Triple(k) if decrypt => k[0].rounds(k[1].rounds(k[2].rounds(block, true), false), true),
            DesCipher::Triple(k) => k[2].rounds(k[1].rounds(k[0].rounds(block, false), true), false),
        }
    }

    pub(crate) fn encrypt(&self, block: [u8; 8]) -> [u8; 8] {
        let x = by_nibbles(u64::from_be_bytes(block), &IP_TABLES);
        by_nibbles(self.core(x, false), &FP_TABLES).to_be_bytes()
    }

    pub(crate) fn decrypt(&self, block: [u8; 8]) -> [u8; 8] {
        let x = by_nibbles(u64::from_be_bytes(block), &IP_TABLES);
        by_nibbles(self.core(x, true), &FP_TABLES).to_be_bytes()
    }

    /// CBC encryption of `data` zero-padded to whole blocks (at least one),
    /// IV zero; the last cipher block. IP is linear over XOR, so the chain
    /// stays between IP and FP: one FP in all.
    pub(crate) fn cbc_last_block(&self, data: &[u8]) -> [u8; 8] {
        if data.is_empty() {
            return self.encrypt([0u8; 8]);
        }
        let mut state = 0u64;
        for chunk in data.chunks(8) {
            let mut block = [0u8; 8];
            block[..chunk.len()].copy_from_slice(chunk);
            state = self.core(state ^ by_nibbles(u64::from_be_bytes(block), &IP_TABLES), false);
        }
        by_nibbles(state, &FP_TABLES).to_be_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use des::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
    use proptest::prelude::*;

    fn reference(key: &[u8], block: [u8; 8], encrypt: bool) -> [u8; 8] {
        let mut b = Array::from(block);
        macro_rules! run {
            ($c:expr) => {{
                let c = $c;
                if encrypt { c.encrypt_block(&mut b) } else { c.decrypt_block(&mut b) }
            }};
        }
        match key.len() {
            8 => run!(des::Des::new_from_slice(key).unwrap()),
            16 => run!(des::TdesEde2::new_from_slice(key).unwrap()),
            _ => run!(des::TdesEde3::new_from_slice(key).unwrap()),
        }
        b.into()
    }

    #[test]
    fn the_classic_vector() {
        // FIPS 81 / the textbook example: key 133457799BBCDFF1.
        let key = [0x13, 0x34, 0x57, 0x79, 0x9B, 0xBC, 0xDF, 0xF1];
        let cipher = DesCipher::new(&key).unwrap();
        let plain = [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF];
        let expected = [0x85, 0xE8, 0x13, 0x54, 0x0F, 0x0A, 0xB4, 0x05];
        assert_eq!(cipher.encrypt(plain), expected);
        assert_eq!(cipher.decrypt(expected), plain);
    }

    #[test]
    fn fp_undoes_ip() {
        for x in [0u64, 1, u64::MAX, 0x0123_4567_89AB_CDEF, 0x8000_0000_0000_0001] {
            assert_eq!(by_nibbles(by_nibbles(x, &IP_TABLES), &FP_TABLES), x);
            assert_eq!(by_nibbles(x, &IP_TABLES), permute(x, 64, &IP));
        }
    }

    #[test]
    fn other_key_lengths_are_refused() {
        for len in [0, 7, 9, 15, 17, 23, 25, 32] {
            assert!(DesCipher::new(&vec![0u8; len]).is_none(), "{len}");
        }
    }

    proptest! {
        #[test]
        fn matches_the_des_crate(
            key in prop::sample::select(vec![8usize, 16, 24]).prop_flat_map(|n| prop::collection::vec(any::<u8>(), n)),
            block in any::<[u8; 8]>(),
        ) {
            let cipher = DesCipher::new(&key).unwrap();
            prop_assert_eq!(cipher.encrypt(block), reference(&key, block, true));
            prop_assert_eq!(cipher.decrypt(block), reference(&key, block, false));
        }

        #[test]
        fn cbc_chain_matches_block_by_block(key in any::<[u8; 16]>(), data in prop::collection::vec(any::<u8>(), 0..80)) {
            let cipher = DesCipher::new(&key).unwrap();
            let mut state = [0u8; 8];
            let padded = data.len().div_ceil(8).max(1) * 8;
            for start in (0..padded).step_by(8) {
                for (i, s) in state.iter_mut().enumerate() {
                    *s ^= data.get(start + i).copied().unwrap_or(0);
                }
                state = reference(&key, state, true);
            }
            prop_assert_eq!(cipher.cbc_last_block(&data), state);
        }
    }
}
