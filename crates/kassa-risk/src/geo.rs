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

/// Major cities of China (city, province, centre): a coarse gazetteer for
/// "another city or province", embedded so the host needs no geocoding service.
pub const CITIES: [(&str, &str, f64, f64); 42] = [
    ("北京", "北京", 39.904, 116.407),
    ("上海", "上海", 31.230, 121.474),
    ("天津", "天津", 39.084, 117.201),
    ("重庆", "重庆", 29.563, 106.551),
    ("广州", "广东", 23.129, 113.264),
    ("深圳", "广东", 22.543, 114.058),
    ("东莞", "广东", 23.021, 113.752),
    ("佛山", "广东", 23.022, 113.122),
    ("杭州", "浙江", 30.274, 120.155),
    ("宁波", "浙江", 29.868, 121.544),
    ("南京", "江苏", 32.060, 118.797),
    ("苏州", "江苏", 31.299, 120.585),
    ("无锡", "江苏", 31.491, 120.312),
    ("合肥", "安徽", 31.821, 117.227),
    ("福州", "福建", 26.074, 119.296),
    ("厦门", "福建", 24.480, 118.089),
    ("南昌", "江西", 28.682, 115.858),
    ("济南", "山东", 36.651, 117.120),
    ("青岛", "山东", 36.067, 120.383),
    ("郑州", "河南", 34.746, 113.625),
    ("武汉", "湖北", 30.593, 114.305),
    ("长沙", "湖南", 28.228, 112.939),
    ("南宁", "广西", 22.817, 108.366),
    ("海口", "海南", 20.044, 110.199),
    ("成都", "四川", 30.573, 104.066),
    ("贵阳", "贵州", 26.647, 106.630),
    ("昆明", "云南", 24.880, 102.833),
    ("拉萨", "西藏", 29.652, 91.172),
    ("西安", "陕西", 34.342, 108.940),
    ("兰州", "甘肃", 36.061, 103.834),
    ("西宁", "青海", 36.617, 101.778),
    ("银川", "宁夏", 38.487, 106.231),
    ("乌鲁木齐", "新疆", 43.825, 87.617),
    ("呼和浩特", "内蒙古", 40.842, 111.749),
    ("太原", "山西", 37.870, 112.549),
    ("石家庄", "河北", 38.042, 114.514),
    ("沈阳", "辽宁", 41.806, 123.432),
    ("大连", "辽宁", 38.914, 121.615),
    ("长春", "吉林", 43.817, 125.324),
    ("哈尔滨", "黑龙江", 45.803, 126.535),
    ("香港", "香港", 22.320, 114.169),
    ("澳门", "澳门", 22.199, 113.544),
];

/// How far from a city's centre a point still counts as in it.
pub const CITY_RADIUS_KM: i64 = 100;

impl Location {
    /// The nearest city of [`CITIES`] within [`CITY_RADIUS_KM`]: (city, province).
    pub fn city(&self) -> Option<(&'static str, &'static str)> {
        CITIES
            .iter()
            .map(|(city, province, lat, lon)| {
                ((*city, *province), self.distance_km(&Location { lat: *lat, lon: *lon }))
            })
            .filter(|(_, km)| *km <= CITY_RADIUS_KM)
            .min_by_key(|(_, km)| *km)
            .map(|(found, _)| found)
    }
}

/// A mobile reader at `reader` against the merchant registered at `home`:
/// (distance in km, whether it is in another known city or province);
/// (−1, false) when either is missing or unreadable.
pub fn reader_facts(reader: Option<&str>, home: Option<&str>) -> (i64, bool) {
    match (reader.and_then(Location::parse), home.and_then(Location::parse)) {
        (Some(reader), Some(home)) => {
            let other = matches!((reader.city(), home.city()), (Some(a), Some(b)) if a != b);
            (reader.distance_km(&home), other)
        }
        _ => (-1, false),
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
        assert_eq!(shanghai.city(), Some(("上海", "上海")));
        assert_eq!(Location::parse("31.30,120.60").and_then(|l| l.city()), Some(("苏州", "江苏")));
        assert_eq!(Location::parse("0,0").and_then(|l| l.city()), None, "the sea off Africa");
        assert!(reader_facts(Some("39.9,116.4"), Some("31.23,121.47")).1);
        assert_eq!(reader_facts(Some("31.25,121.45"), Some("31.23,121.47")), (3, false));
        assert_eq!(reader_facts(None, Some("31.23,121.47")), (-1, false));
        for bad in ["", "31.2", "91,0", "0,181", "a,b", "1,2,3", &"1".repeat(50)] {
            assert_eq!(Location::parse(bad), None, "{bad}");
        }
    }
}
