//! Where a MAC goes: over the packed message from the MTI up to, not
//! including, the MAC field, which must be the message's last field: 64 on the
//! terminal side ([`TERMINAL_MAC_FIELD`]), 128 on the network link.

use crate::message::Message;

/// Bytes of a MAC field.
pub const MAC_SIZE: usize = 8;

/// The MAC field of the terminal profile.
pub const TERMINAL_MAC_FIELD: u8 = 64;

/// Marks `message` as MACed in `field`: sets a placeholder, so that the bitmap
/// includes the MAC before packing.
pub fn reserve(message: &mut Message, field: u8) {
    message.set(field, [0u8; MAC_SIZE]);
}

/// Splits a packed message that carries its MAC last, in `field`, into the
/// MAC input and the MAC. `None` when the message does not end in that field.
pub fn split<'a>(message: &Message, packed: &'a [u8], field: u8) -> Option<(&'a [u8], &'a [u8])> {
    let last = message.numbers().last()?;
    if last != field || packed.len() < MAC_SIZE {
        return None;
    }
    Some(packed.split_at(packed.len() - MAC_SIZE))
}

/// Writes `mac` over the placeholder at the end of `packed`.
pub fn fill(packed: &mut [u8], mac: [u8; MAC_SIZE]) {
    let n = packed.len();
    if n >= MAC_SIZE {
        packed[n - MAC_SIZE..].copy_from_slice(&mac);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Mti, TERMINAL, pack};

    #[test]
    fn the_mac_covers_everything_before_it() {
        let mut message = Message::new(Mti::new("0200").unwrap());
        message.set(3, "000000").set(11, "000001");
        reserve(&mut message, TERMINAL_MAC_FIELD);
        let mut packed = pack(&TERMINAL, &message).unwrap();
        fill(&mut packed, *b"ABCDEFGH");
        let (data, mac) = split(&message, &packed, 64).unwrap();
        assert_eq!(mac, b"ABCDEFGH");
        assert_eq!(data.len(), packed.len() - 8);
        message.remove(64);
        assert!(split(&message, &packed, 64).is_none());
    }
}
