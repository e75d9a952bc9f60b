//! `kassa crypto …`: check values, PIN blocks, MACs, key generation and
//! encryption, PIN translation. Keys given on the command line are test keys;
//! nothing here is for production key ceremonies.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use kassa_crypto::{KeyAlgorithm, MacAlgorithm, SecretKey, from_hex, mac, pin, random, to_hex};

#[derive(Debug, Subcommand)]
pub enum CryptoCommand {
    /// Print a key's check value (8 hex digits).
    Kcv {
        #[command(flatten)]
        key: KeyArg,
    },
    /// Build an ISO 9564 format-0 PIN block; encrypted when --key is given.
    PinBlock {
        /// The PIN, 4 to 12 digits.
        #[arg(long)]
        pin: String,
        /// The card number (13 to 19 digits).
        #[arg(long, required_unless_present = "no_pan")]
        pan: Option<String>,
        /// The no-PAN variant: the PIN field alone.
        #[arg(long, conflicts_with = "pan")]
        no_pan: bool,
        /// PIN key (DES/TDES hex) to encrypt the block under.
        #[arg(long)]
        key: Option<String>,
    },
    /// Compute a MAC: 8 ASCII characters for cup-ecb, 16 hex digits for x9.9, x9.19 and aes-cmac.
    Mac {
        /// cup-ecb, x9.9, x9.19 or aes-cmac.
        #[arg(long)]
        alg: String,
        #[command(flatten)]
        key: KeyArg,
        /// The data, in hex.
        #[arg(long)]
        data: String,
    },
    /// Generate a random key from the OS random source, with its check value.
    GenKey {
        /// des, tdes (double length), tdes3, sm4 or aes.
        #[arg(long, default_value = "tdes")]
        alg: String,
        /// Also split it into this many components (XOR) for dual control.
        #[arg(long, default_value_t = 0)]
        components: usize,
    },
    /// Encrypt a key under a key-encryption key (ECB); prints the result and the clear key's KCV.
    EncryptKey {
        /// The key-encryption key (e.g. a terminal master key), hex.
        #[arg(long)]
        kek: String,
        /// The key to encrypt, hex.
        #[arg(long)]
        key: String,
        /// Algorithm of both keys when not DES-family by length: sm4.
        #[arg(long)]
        alg: Option<String>,
    },
    /// Decrypt a key under a key-encryption key (ECB); prints the clear key and its KCV.
    DecryptKey {
        #[arg(long)]
        kek: String,
        /// The encrypted key, hex.
        #[arg(long)]
        key: String,
        #[arg(long)]
        alg: Option<String>,
    },
    /// Translate an encrypted PIN block from one PIN key to another.
    TranslatePin {
        /// The encrypted PIN block, 16 hex digits.
        #[arg(long)]
        block: String,
        /// The card number the block is bound to.
        #[arg(long)]
        pan: String,
        /// The key it is encrypted under now.
        #[arg(long)]
        from_key: String,
        /// The key to encrypt it under.
        #[arg(long)]
        to_key: String,
        /// Bind the new block to another card number.
        #[arg(long)]
        to_pan: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct KeyArg {
    /// The key, hex: 16 (DES), 32 (TDES, SM4 or AES-128) or 48 (TDES) digits.
    #[arg(long)]
    key: String,
    /// Key algorithm when the length is ambiguous: des, tdes, tdes3, sm4, aes
    /// (AES-CMAC takes its key as AES without it).
    #[arg(long = "key-alg")]
    key_alg: Option<String>,
}

fn algorithm(text: Option<&str>) -> Result<Option<KeyAlgorithm>> {
    text.map(|t| {
        KeyAlgorithm::parse(t).with_context(|| format!("unknown key algorithm {t:?}: use des, tdes, tdes3, sm4 or aes"))
    })
    .transpose()
}

fn key(text: &str, alg: Option<&str>, what: &str) -> Result<SecretKey> {
    SecretKey::from_hex(text, algorithm(alg)?).with_context(|| what.to_string())
}

impl KeyArg {
    fn secret(&self) -> Result<SecretKey> {
        key(&self.key, self.key_alg.as_deref(), "--key")
    }
}

fn pin_block_arg(text: &str) -> Result<[u8; 8]> {
    from_hex(text).context("--block")?.try_into().map_err(|bytes: Vec<u8>| {
        anyhow::anyhow!("--block: a PIN block is 8 bytes (16 hex digits), got {}", bytes.len())
    })
}

pub fn run(command: CryptoCommand) -> Result<ExitCode> {
    match command {
        CryptoCommand::Kcv { key } => println!("{}", key.secret()?.check_value_hex()),
        CryptoCommand::PinBlock { pin, pan, no_pan, key } => {
            let pan = if no_pan { None } else { pan.as_deref() };
            let clear = pin::build(&pin, pan)?;
            let block = match key {
                Some(text) => pin::encrypt(&clear, &self::key(&text, None, "--key")?)?,
                None => clear,
            };
            println!("{}", to_hex(&block));
        }
        CryptoCommand::Mac { alg, key, data } => {
            let algorithm = MacAlgorithm::parse(&alg)
                .with_context(|| format!("unknown MAC algorithm {alg:?}: use cup-ecb, x9.9, x9.19 or aes-cmac"))?;
            let data = from_hex(&data).context("--data")?;
            let secret = match (algorithm, &key.key_alg) {
                (MacAlgorithm::AesCmac, None) => self::key(&key.key, Some("aes"), "--key")?,
                _ => key.secret()?,
            };
            let mac = mac::compute(algorithm, &secret, &data)?;
            match algorithm {
                MacAlgorithm::CupEcb => println!("{}", String::from_utf8_lossy(&mac)),
                _ => println!("{}", to_hex(&mac)),
            }
        }
        CryptoCommand::GenKey { alg, components } => gen_key(&alg, components)?,
        CryptoCommand::EncryptKey { kek, key, alg } => {
            let kek = self::key(&kek, alg.as_deref(), "--kek")?;
            let clear = self::key(&key, alg.as_deref(), "--key")?;
            let mut bytes = clear.expose().to_vec();
            if bytes.len() % kek.block_len() != 0 {
                bail!("--key: {} bytes is not a whole number of {}-byte blocks", bytes.len(), kek.block_len());
            }
            kek.encrypt_ecb(&mut bytes)?;
            println!("{} {}", to_hex(&bytes), clear.check_value_hex());
        }
        CryptoCommand::DecryptKey { kek, key, alg } => {
            let kek = self::key(&kek, alg.as_deref(), "--kek")?;
            let mut bytes = from_hex(&key).context("--key")?;
            if bytes.is_empty() || bytes.len() % kek.block_len() != 0 {
                bail!("--key: {} bytes is not a whole number of {}-byte blocks", bytes.len(), kek.block_len());
            }
            kek.decrypt_ecb(&mut bytes)?;
            let clear = match algorithm(alg.as_deref())? {
                Some(a) => SecretKey::new(a, &bytes)?,
                None => SecretKey::des_family(&bytes)?,
            };
            println!("{} {}", to_hex(clear.expose()), clear.check_value_hex());
        }
        CryptoCommand::TranslatePin { block, pan, from_key, to_key, to_pan } => {
            let block = pin_block_arg(&block)?;
            let from = key(&from_key, None, "--from-key")?;
            let to = key(&to_key, None, "--to-key")?;
            let out = pin::translate(&block, &from, Some(&pan), &to, Some(to_pan.as_deref().unwrap_or(&pan)))?;
            println!("{}", to_hex(&out));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn gen_key(alg: &str, components: usize) -> Result<()> {
    let algorithm = KeyAlgorithm::parse(alg)
        .with_context(|| format!("unknown key algorithm {alg:?}: use des, tdes, tdes3, sm4 or aes"))?;
    if components > 9 {
        bail!("--components: at most 9");
    }
    let key = random::generate_key(algorithm)?;
    println!("key         {}  kcv {}", to_hex(key.expose()), key.check_value_hex());
    if components > 0 {
        for (i, part) in random::split_components(&key, components)?.iter().enumerate() {
            println!("component {} {}  kcv {}", i + 1, to_hex(part.expose()), part.check_value_hex());
        }
    }
    Ok(())
}
