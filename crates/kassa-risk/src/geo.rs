//! Where a mobile reader is: field 59 carries the phone's location as
//! `lat,lon` in decimal degrees (WGS-84), e.g. `31.230416,121.473701`.

/// A point on the earth, in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
}

impl Location {
    /// `lat,lon`; `None` for anything else (out of range, not numbers, too long).
    pub fn parse(text: &str) -> Option<Location> {
        if text.len() > 40 {
            return None;
        }
        let (lat, lon) = text.trim().split_once(',')?;
        let lat: f64 = lat.trim().parse().ok()?;
        let lon: f64 = lon.trim().parse().ok()?;
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some(Location { lat, lon })
    }

    /// Great-circle distance in whole kilometres (haversine, mean earth radius).
    pub fn distance_km(&self, other: &Location) -> i64 {
        const EARTH_KM: f64 = 6_371.0;
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        (2.0 * EARTH_KM * a.sqrt().min(1.0).asin()).round() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_measures() {
        let shanghai = Location::parse("31.230416,121.473701");
        let beijing = Location::parse("39.904211, 116.407395");
        let (Some(shanghai), Some(beijing)) = (shanghai, beijing) else { panic!("both parse") };
        assert!((1060..=1075).contains(&shanghai.distance_km(&beijing)), "{}", shanghai.distance_km(&beijing));
        assert_eq!(shanghai.distance_km(&shanghai), 0);
        for bad in ["", "31.2", "91,0", "0,181", "a,b", "1,2,3", &"1".repeat(50)] {
            assert_eq!(Location::parse(bad), None, "{bad}");
        }
    }
}
