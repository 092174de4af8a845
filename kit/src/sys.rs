//! The one seam for every syscall the jail makes (youki's `Syscall` trait is the model).
//! OWNER: jail helper. Placeholder until written.
