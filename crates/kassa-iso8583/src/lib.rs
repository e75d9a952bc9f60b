//! ISO 8583 for Kassa: profiles as data tables, a codec with no I/O, framing,
//! typed views of the composite fields, and BER-TLV for field 55.
//!
//! Decoding outside bytes never panics, never reads past its input and never
//! allocates more than twice the input; every error names the field and offset.

mod bcd;
pub mod codec;
pub mod error;
pub mod fields;
pub mod frame;
pub mod mac_block;
pub mod mask;
pub mod message;
pub mod profile;
pub mod samples;
pub mod spec;
pub mod tlv;
pub mod transaction;

pub use codec::{pack, pack_into, unpack, unpack_at};
pub use error::{DecodeError, DecodeReason, EncodeError, EncodeReason, Part};
pub use frame::{FRAME_SIZE_MAX, Frame, Header, Tpdu, frame_length, split_body, split_frame, write_frame};
pub use message::{Message, Mti};
pub use profile::{Options, Profile, TERMINAL};
pub use spec::{FieldSpec, Kind, Length};

/// Upper-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}
