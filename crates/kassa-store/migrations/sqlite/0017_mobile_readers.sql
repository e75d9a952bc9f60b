-- Which terminals are card readers paired with the merchant's phone: they
-- must send the phone's location (field 59) with every financial request.
-- The inventory knows it from the day the device is added; assignment
-- carries it to the terminal record the host reads.
ALTER TABLE terminals ADD COLUMN mobile_reader INTEGER NOT NULL DEFAULT 0;
ALTER TABLE terminal_inventory ADD COLUMN kind TEXT NOT NULL DEFAULT 'countertop';
