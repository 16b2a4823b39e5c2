//! `fairaudit keygen` and `fairaudit verify-pack`: signed evidence.

use std::process::ExitCode;

use crate::cli::args::{KeygenArgs, VerifyPackArgs};

/// Runs `keygen`.
pub fn keygen(a: &KeygenArgs) -> anyhow::Result<ExitCode> {
    let (sk, pk) = crate::report::signing::keygen(&a.out, a.force)?;
    eprintln!(
        "wrote the secret key {} (keep it private) and the public key {} (give it to auditors; key id {})",
        sk.display(),
        pk.display(),
        crate::report::signing::key_id(&pk)?
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `verify-pack`: exit 0 when every file and the signature verify, 1 otherwise.
pub fn verify_pack(a: &VerifyPackArgs) -> anyhow::Result<ExitCode> {
    let v = crate::report::evidence::verify_pack(&a.dir, a.pubkey.as_deref())?;
    for line in &v.lines {
        outln!("{line}");
    }
    if v.ok {
        outln!("evidence pack {}: verified", a.dir.display());
        Ok(ExitCode::SUCCESS)
    } else {
        outln!("evidence pack {}: FAILED", a.dir.display());
        Ok(ExitCode::from(1))
    }
}
