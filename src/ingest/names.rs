//! Internal column names of the scan's group-by (the counts table's public
//! names are in `table::COUNTS_COLUMNS`).

/// The label key.
pub const K_LABEL: &str = "__fa_label";
/// The prediction key.
pub const K_PRED: &str = "__fa_pred";
/// The score-bin key.
pub const K_BIN: &str = "__fa_bin";
/// Rows.
pub const A_N: &str = "__fa_n";
/// Σ weight.
pub const A_W: &str = "__fa_w";
/// Σ weight².
pub const A_W2: &str = "__fa_w2";
/// Smallest weight.
pub const A_WMIN: &str = "__fa_wmin";
/// Rows without a weight.
pub const A_WNULL: &str = "__fa_wnull";
/// Rows with a negative or NaN weight.
pub const A_WBAD: &str = "__fa_wbad";
/// Rows with a NaN score.
pub const A_SNAN: &str = "__fa_snan";
/// Rows with a score outside [0, 1].
pub const A_SBAD: &str = "__fa_sbad";
/// Smallest score.
pub const A_SMIN: &str = "__fa_smin";
/// Largest score.
pub const A_SMAX: &str = "__fa_smax";
/// Rows without a score.
pub const A_SNULL: &str = "__fa_snull";
/// Σ score, in units of 1/SCORE_SCALE.
pub const A_SSUM: &str = "__fa_ssum";
/// Σ score², in units of 1/SCORE_SCALE.
pub const A_SSUM2: &str = "__fa_ssum2";
/// Scores and squared scores are summed as integers in units of 1/SCORE_SCALE.
pub const SCORE_SCALE: f64 = 1e9;
/// The numeric outcome's sketch bucket (key).
pub const K_VBIN: &str = "__fa_vbin";
/// Rows with a numeric value.
pub const A_VN: &str = "__fa_vn";
/// Rows whose numeric value is NaN or infinite.
pub const A_VBAD: &str = "__fa_vbad";
/// Σ w over rows with a value.
pub const A_VW: &str = "__fa_vw";
/// Σ w² over them.
pub const A_VW2: &str = "__fa_vw2";
/// Σ w·x.
pub const A_VS: &str = "__fa_vs";
/// Σ w·x².
pub const A_VS2: &str = "__fa_vs2";
/// Rows with both a value and a true value.
pub const A_EN: &str = "__fa_en";
/// Σ w over them.
pub const A_EW: &str = "__fa_ew";
/// Σ w·|e|.
pub const A_EA: &str = "__fa_ea";
/// Σ w·e.
pub const A_ES: &str = "__fa_es";
/// Σ w·e².
pub const A_ES2: &str = "__fa_es2";
/// The final (human) decision key.
pub const K_FINAL: &str = "__fa_final";
