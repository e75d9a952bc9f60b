-- Who asked for a code sent to a number that is not (yet) theirs: a merchant
-- changing its bound phone asks for a code to the new number. Such codes are
-- limited per requester, and never count against the number's own allowance.
ALTER TABLE otp_codes ADD COLUMN requested_by BIGINT;
CREATE INDEX otp_by_requester ON otp_codes (requested_by, sent_at);
