//! One Argon2id derivation gives both what is stored to check a secret (the verifier) and a
//! key (an X25519 identity) that only that secret yields. Used for officials' passwords
//! (`Key<Password>`) and receipts' query codes (`Key<Reporter>`), with the role's name as
//! Argon2's associated data so the two can never be confused.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

use argon2::{Algorithm, Argon2, AssociatedData, Block, ParamsBuilder, Version};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use super::{CryptoError, Key, KeyRole};

/// Argon2id cost: memory in KiB, passes, lanes. Stored beside each verifier so that costs can
/// be raised later without breaking what was stored before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

/// The most a stored parameter set may ask for: a tampered row must not make the server
/// allocate without bound.
const MAX: KdfParams = KdfParams { m_kib: 1 << 20, t: 16, p: 8 };

impl KdfParams {
    /// Receipts: 4 MiB, one pass, 1.4–2.3 ms here (budget 10 ms). The strength is in the
    /// code: 20 random digits cost an attacker 10^20 / 2 ≈ 2^65 derivations per tip on
    /// average (PRODUCT.md §4), whatever these parameters. The memory is what intake can
    /// afford: every tip pays one derivation, and with 8 MiB the 2-core reference machine
    /// took 260 tips/s instead of the 300 it must (benches/README.md). Stored per tip, so it
    /// can be raised for new tips on a larger machine.
    pub const RECEIPT: KdfParams = KdfParams { m_kib: 4096, t: 1, p: 1 };
    /// Officials' passwords: 128 MiB, three passes, about 0.24 s here (budget 0.5 s). A
    /// password guessed offline would open its official's department keys, so this is the
    /// hardest derivation the sign-in budget allows.
    pub const PASSWORD: KdfParams = KdfParams { m_kib: 131072, t: 3, p: 1 };
}

impl fmt::Display for KdfParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "argon2id-v19:m={},t={},p={}", self.m_kib, self.t, self.p)
    }
}

impl FromStr for KdfParams {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Self, CryptoError> {
        let bad = CryptoError::Malformed("key-derivation parameters");
        let rest = s.strip_prefix("argon2id-v19:").ok_or(CryptoError::Malformed("key-derivation parameters"))?;
        let mut values = [None; 3];
        for part in rest.split(',') {
            let (name, value) = part.split_once('=').ok_or(CryptoError::Malformed("key-derivation parameters"))?;
            let slot = match name {
                "m" => 0,
                "t" => 1,
                "p" => 2,
                _ => return Err(bad),
            };
            values[slot] = value.parse::<u32>().ok();
        }
        match values {
            [Some(m_kib), Some(t), Some(p)]
                if (8..=MAX.m_kib).contains(&m_kib) && (1..=MAX.t).contains(&t) && (1..=MAX.p).contains(&p) =>
            {
                Ok(KdfParams { m_kib, t, p })
            }
            _ => Err(bad),
        }
    }
}

/// What is stored to check a secret. Compared in constant time.
#[derive(Clone)]
pub struct Verifier([u8; 32]);

impl Verifier {
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Verifier)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn matches(&self, other: &Verifier) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verifier(…)")
    }
}

pub struct Derived<R: KeyRole> {
    pub verifier: Verifier,
    pub key: Key<R>,
}

/// Argon2id(secret, salt) → 64 bytes: the first half is the verifier, the second the key's
/// secret scalar. CPU-bound: call it from a blocking thread.
pub fn derive<R: KeyRole>(secret: &[u8], salt: &[u8; 16], params: KdfParams) -> Result<Derived<R>, CryptoError> {
    let error = |e: argon2::Error| CryptoError::Derivation(e.to_string());
    let label = format!("jubao/{}", R::NAME);
    let mut builder = ParamsBuilder::new();
    builder
        .m_cost(params.m_kib)
        .t_cost(params.t)
        .p_cost(params.p)
        .output_len(64)
        .data(AssociatedData::new(label.as_bytes()).map_err(error)?);
    let argon = builder.context(Algorithm::Argon2id, Version::V0x13).map_err(error)?;
    derive_with(&argon, secret, salt)
}

/// Working memory of derivations up to this size is kept for the next one. Allocating and
/// freeing several MiB per receipt let the allocator keep hundreds of MiB under concurrent intake
/// (glibc raises its mmap threshold after the first free and then hoards the freed heap);
/// reusing a few buffers keeps memory flat and saves the page faults.
const POOLED_KIB: u32 = 16 * 1024;

/// At most this many small buffers wait in the pool; the receipt pools of `service::work` run
/// no more derivations at once than this.
const POOL_SIZE: usize = 8;

/// Larger buffers (a password's 128 MiB): one is kept. The password pool of `service::work`
/// runs one derivation at a time, so a flood of sign-ins reuses it rather than making the
/// process's memory swing by 128 MiB with every attempt.
const LARGE_KEPT: usize = 1;

static POOL: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());
static LARGE: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

fn pool_for(blocks: usize) -> (&'static Mutex<Vec<Vec<Block>>>, usize) {
    if blocks <= POOLED_KIB as usize { (&POOL, POOL_SIZE) } else { (&LARGE, LARGE_KEPT) }
}

/// Argon2 working memory of `blocks` blocks, zeroed when it goes back to the pool or away.
struct Memory(Vec<Block>);

impl Memory {
    fn take(blocks: usize) -> Result<Self, CryptoError> {
        let (pool, _) = pool_for(blocks);
        let pooled = pool.lock().ok().and_then(|mut pool| {
            let i = pool.iter().position(|b| b.len() == blocks)?;
            Some(pool.swap_remove(i))
        });
        let mut memory = pooled.unwrap_or_default();
        if memory.len() != blocks {
            memory.try_reserve_exact(blocks).map_err(|_| CryptoError::Derivation("out of memory".to_owned()))?;
            memory.resize(blocks, Block::default());
        }
        Ok(Memory(memory))
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        let mut memory = std::mem::take(&mut self.0);
        memory.iter_mut().for_each(Zeroize::zeroize);
        let (pool, keep) = pool_for(memory.len());
        if let Ok(mut pool) = pool.lock()
            && pool.len() < keep
        {
            pool.push(memory);
        }
    }
}

fn derive_with<R: KeyRole>(argon: &Argon2<'_>, secret: &[u8], salt: &[u8; 16]) -> Result<Derived<R>, CryptoError> {
    let mut out = Zeroizing::new([0u8; 64]);
    let mut memory = Memory::take(argon.params().block_count())?;
    argon
        .hash_password_into_with_memory(secret, salt, out.as_mut_slice(), memory.0.as_mut_slice())
        .map_err(|e| CryptoError::Derivation(e.to_string()))?;
    drop(memory);
    let mut verifier = [0u8; 32];
    verifier.copy_from_slice(&out[..32]);
    let mut seed = Zeroizing::new([0u8; 32]);
    seed.copy_from_slice(&out[32..]);
    Ok(Derived { verifier: Verifier(verifier), key: Key::from_seed(&seed)? })
}

/// 16 random bytes.
pub fn new_salt() -> [u8; 16] {
    use rand::RngExt;
    rand::rng().random()
}

#[cfg(test)]
mod tests {
    use super::super::{Password, Reporter};
    use super::*;

    const CHEAP: KdfParams = KdfParams { m_kib: 64, t: 1, p: 1 };

    #[test]
    fn same_secret_and_salt_give_the_same_verifier_and_key() {
        let salt = [1u8; 16];
        let a = derive::<Reporter>(b"12345678901234567890", &salt, CHEAP).unwrap();
        let b = derive::<Reporter>(b"12345678901234567890", &salt, CHEAP).unwrap();
        assert!(a.verifier.matches(&b.verifier));
        assert_eq!(a.key.public(), b.key.public());
    }

    #[test]
    fn any_change_gives_another_result() {
        let salt = [1u8; 16];
        let base = derive::<Reporter>(b"12345678901234567890", &salt, CHEAP).unwrap();
        let other_secret = derive::<Reporter>(b"12345678901234567891", &salt, CHEAP).unwrap();
        let other_salt = derive::<Reporter>(b"12345678901234567890", &[2u8; 16], CHEAP).unwrap();
        let other_role = derive::<Password>(b"12345678901234567890", &salt, CHEAP).unwrap();
        for other in [&other_secret.verifier, &other_salt.verifier, &other_role.verifier] {
            assert!(!base.verifier.matches(other));
        }
        assert_ne!(base.key.public().to_string(), other_role.key.public().to_string());
    }

    #[test]
    fn parameters_round_trip_and_are_bounded() {
        for p in [KdfParams::RECEIPT, KdfParams::PASSWORD] {
            assert_eq!(p.to_string().parse::<KdfParams>().unwrap(), p);
        }
        for bad in [
            "",
            "argon2id-v19:m=4096,t=1",
            "argon2id-v19:m=9999999999,t=1,p=1",
            "scrypt:m=1,t=1,p=1",
            "argon2id-v19:m=2097152,t=1,p=1",
            "argon2id-v19:m=4096,t=0,p=1",
            "argon2id-v19:m=4096,t=1,p=1,x=2",
        ] {
            assert!(bad.parse::<KdfParams>().is_err(), "{bad}");
        }
    }
}
