//! Property tests: every valid message survives encode → decode, and no input
//! bytes make the decoder panic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use kassa_iso8583::profile::{NumberWire, Options, TERMINAL_FIELDS};
use kassa_iso8583::{FieldSpec, Kind, Length, Message, Mti, Profile, TERMINAL, frame, pack, unpack};
use proptest::prelude::*;

fn value_for(spec: FieldSpec) -> BoxedStrategy<Vec<u8>> {
    let max = usize::from(spec.length.max());
    let size = match spec.length {
        Length::Fixed(n) => usize::from(n)..=usize::from(n),
        _ => 0..=max,
    };
    match spec.kind {
        Kind::Numeric => proptest::collection::vec(proptest::char::range('0', '9').prop_map(|c| c as u8), size).boxed(),
        Kind::Track => proptest::collection::vec(proptest::sample::select(b"0123456789=ABCDEF".to_vec()), size).boxed(),
        Kind::Text | Kind::Binary => proptest::collection::vec(any::<u8>(), size).boxed(),
    }
}

fn message_for(profile: &'static Profile) -> impl Strategy<Value = Message> {
    let specs: Vec<FieldSpec> = profile.fields().copied().collect();
    let fields = specs
        .into_iter()
        .map(|spec| proptest::option::of(value_for(spec)).prop_map(move |v| (spec.number, v)))
        .collect::<Vec<_>>();
    ("[0-9]{4}", fields).prop_map(|(mti, fields)| {
        let mut message = Message::new(Mti::new(&mti).unwrap());
        for (number, value) in fields {
            if let Some(value) = value {
                message.set(number, value);
            }
        }
        message
    })
}

static PAD_F: std::sync::LazyLock<Profile> =
    std::sync::LazyLock::new(|| TERMINAL.with_options(Options { pad_nibble: 0xF, ..Options::TERMINAL }));

/// An ASCII profile with a secondary bitmap, shaped like the network link's.
static ASCII: Profile = Profile::new(
    "ascii-test",
    Options { pad_nibble: 0, numbers: NumberWire::Ascii, prefixes: NumberWire::Ascii, secondary_bitmap: true },
    &[
        FieldSpec::new(2, "pan", Kind::Numeric, Length::LlVar(19)),
        FieldSpec::new(4, "amount", Kind::Numeric, Length::Fixed(12)),
        FieldSpec::new(35, "track 2", Kind::Track, Length::LlVar(37)),
        FieldSpec::new(41, "terminal", Kind::Text, Length::Fixed(8)),
        FieldSpec::new(55, "emv", Kind::Binary, Length::LllVar(255)),
        FieldSpec::new(90, "original data", Kind::Numeric, Length::Fixed(42)),
        FieldSpec::new(128, "mac", Kind::Binary, Length::Fixed(8)),
    ],
);

fn round_trips(profile: &Profile, message: &Message) -> Result<(), TestCaseError> {
    let bytes = pack(profile, message).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back = unpack(profile, &bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    // Track values may be given with `D` for the separator; they decode as `=`.
    let normalised = |m: &Message| -> Vec<(u8, Vec<u8>)> {
        m.fields()
            .map(|(n, v)| match profile.field(n).map(|spec| spec.kind) {
                Some(Kind::Track) => (n, v.iter().map(|&c| if c == b'D' { b'=' } else { c }).collect()),
                _ => (n, v.to_vec()),
            })
            .collect()
    };
    let decoded: Vec<(u8, Vec<u8>)> = back.fields().map(|(n, v)| (n, v.to_vec())).collect();
    let expected = normalised(message);
    prop_assert_eq!(back.mti(), message.mti());
    prop_assert_eq!(decoded, expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn terminal_messages_round_trip(message in message_for(&TERMINAL)) {
        round_trips(&TERMINAL, &message)?;
    }

    #[test]
    fn pad_f_messages_round_trip(message in message_for(&PAD_F)) {
        round_trips(&PAD_F, &message)?;
    }

    #[test]
    fn ascii_messages_round_trip(message in message_for(&ASCII)) {
        round_trips(&ASCII, &message)?;
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = unpack(&TERMINAL, &bytes);
        let _ = unpack(&ASCII, &bytes);
        if let Ok(frame) = frame::split_frame(&bytes) {
            let _ = unpack(&TERMINAL, frame.body);
        }
        let _ = frame::frame_length(&bytes);
        let _ = kassa_iso8583::tlv::parse(&bytes);
    }

    #[test]
    fn decoding_mutated_messages_never_panics(
        message in message_for(&TERMINAL),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = pack(&TERMINAL, &message).unwrap();
        for (index, byte) in flips {
            let i = index.index(bytes.len());
            bytes[i] = byte;
        }
        if let Ok(decoded) = unpack(&TERMINAL, &bytes) {
            // Whatever decodes must encode again.
            prop_assert!(pack(&TERMINAL, &decoded).is_ok());
        }
    }
}

#[test]
fn every_terminal_field_is_in_the_table_once() {
    assert_eq!(TERMINAL.fields().count(), TERMINAL_FIELDS.len());
}
