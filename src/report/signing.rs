//! Signatures in minisign's format (Ed25519 over a BLAKE2b-512 prehash, with
//! a signed "trusted comment"), so an auditor can check an evidence pack with
//! the standard `minisign -Vm SHA256SUMS -p KEY.pub` as well as with
//! `fairaudit verify-pack`.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use minisign::{KeyPair, PublicKeyBox, SecretKeyBox, SignatureBox};

use crate::{Error, Result};

fn sig_err(what: &str, path: &Path, e: impl std::fmt::Display) -> Error {
    Error::usage(format!("{what} '{}': {e}", path.display()))
}

/// Makes a key pair: PREFIX.key (secret, unencrypted, mode 0600) and
/// PREFIX.pub. Refuses to overwrite unless `force`.
pub fn keygen(prefix: &Path, force: bool) -> Result<(PathBuf, PathBuf)> {
    let sk_path = prefix.with_extension("key");
    let pk_path = prefix.with_extension("pub");
    for p in [&sk_path, &pk_path] {
        if p.exists() && !force {
            return Err(Error::usage(format!(
                "'{}' exists; pass --force to overwrite it",
                p.display()
            )));
        }
    }
    let kp = KeyPair::generate_unencrypted_keypair()
        .map_err(|e| Error::usage(format!("cannot make a key pair: {e}")))?;
    let sk = kp
        .sk
        .to_box(Some("fairaudit evidence-pack signing key"))
        .map_err(|e| Error::usage(format!("cannot encode the secret key: {e}")))?;
    let pk = kp
        .pk
        .to_box()
        .map_err(|e| Error::usage(format!("cannot encode the public key: {e}")))?;
    super::write_atomic(&sk_path, &sk.to_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&sk_path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| sig_err("cannot protect", &sk_path, e))?;
    }
    super::write_atomic(&pk_path, &pk.to_bytes())?;
    Ok((sk_path, pk_path))
}

/// The key id of a public key, as minisign prints it.
pub fn key_id(pubkey: &Path) -> Result<String> {
    let text = std::fs::read_to_string(pubkey)
        .map_err(|e| sig_err("cannot read public key", pubkey, e))?;
    let pk = PublicKeyBox::from_string(&text)
        .and_then(|b| b.into_public_key())
        .map_err(|e| sig_err("not a minisign public key", pubkey, e))?;
    Ok(pk
        .keynum()
        .iter()
        .rev()
        .map(|b| format!("{b:02X}"))
        .collect())
}

/// Signs `data` with the secret key file; returns the signature file's text.
pub fn sign(key: &Path, data: &[u8], trusted_comment: &str) -> Result<String> {
    let text =
        std::fs::read_to_string(key).map_err(|e| sig_err("cannot read secret key", key, e))?;
    let sk = SecretKeyBox::from_string(&text)
        .and_then(|b| b.into_unencrypted_secret_key())
        .map_err(|e| sig_err("not an unencrypted minisign secret key", key, e))?;
    let sig = minisign::sign(
        None,
        &sk,
        Cursor::new(data),
        Some(trusted_comment),
        Some("signature from fairaudit"),
    )
    .map_err(|e| sig_err("cannot sign with", key, e))?;
    Ok(sig.into_string())
}

/// Whether `pubkey` is a readable minisign public key: a key that cannot
/// be read is a usage error (exit 2), not a failed signature.
pub fn check_public_key(pubkey: &Path) -> Result<()> {
    let text = std::fs::read_to_string(pubkey)
        .map_err(|e| sig_err("cannot read public key", pubkey, e))?;
    PublicKeyBox::from_string(&text)
        .and_then(|b| b.into_public_key())
        .map_err(|e| sig_err("not a minisign public key", pubkey, e))?;
    Ok(())
}

/// Verifies a signature of `data` with the public key file; returns the
/// signed trusted comment (who signed, when).
pub fn verify(pubkey: &Path, data: &[u8], signature: &str) -> Result<String> {
    let text = std::fs::read_to_string(pubkey)
        .map_err(|e| sig_err("cannot read public key", pubkey, e))?;
    let pk = PublicKeyBox::from_string(&text)
        .and_then(|b| b.into_public_key())
        .map_err(|e| sig_err("not a minisign public key", pubkey, e))?;
    let sig = SignatureBox::from_string(signature)
        .map_err(|e| Error::usage(format!("not a minisign signature: {e}")))?;
    minisign::verify(&pk, &sig, Cursor::new(data), true, false, false)
        .map_err(|e| Error::usage(format!("the signature does not verify: {e}")))?;
    sig.trusted_comment()
        .map_err(|e| Error::usage(format!("the signature has no trusted comment: {e}")))
}
