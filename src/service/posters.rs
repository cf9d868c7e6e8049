//! QR posters: printed on site, they open the form with a district or category preset and
//! record that a tip came through a poster — never anything about the person.

use super::ServiceError;
use crate::domain::{Code, Id};
use crate::store::posters::{self, PosterRow};
use crate::store::{Store, reference};
use jubao_templates::i18n::Msg;

const CODE_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

fn new_code() -> String {
    use rand::RngExt;
    let mut rng = rand::rng();
    (0..8).map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())])).collect()
}

pub async fn create(
    store: &Store,
    label: &str,
    district: Option<&Code>,
    category: Option<&Code>,
    now: i64,
) -> Result<PosterRow, ServiceError> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(super::invalid("posters-poster-label-has-1-100"));
    }
    let mut conn = store.conn().await?;
    if let Some(d) = district
        && !reference::district_in_force(&mut conn, d.as_str()).await?
    {
        return Err(super::invalid(Msg::new("posters-unknown-district-d").with("d", (d).to_string())));
    }
    if let Some(c) = category
        && reference::category_department(&mut conn, c.as_str()).await?.is_none()
    {
        return Err(super::invalid(Msg::new("posters-unknown-category-c").with("c", (c).to_string())));
    }
    let poster = PosterRow {
        id: Id::random().to_string(),
        code: new_code(),
        label: label.to_owned(),
        district_code: district.map(|d| d.to_string()),
        category_code: category.map(|c| c.to_string()),
    };
    posters::insert(&mut conn, &poster, now).await?;
    Ok(poster)
}

pub async fn by_code(store: &Store, code: &str) -> Result<Option<PosterRow>, ServiceError> {
    if code.len() != 8 || !code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        return Ok(None);
    }
    Ok(posters::by_code(&mut *store.conn().await?, code).await?)
}

/// The QR code of a poster's address, as SVG.
pub fn qr_svg(url: &str) -> Result<String, ServiceError> {
    let code = qrcode::QrCode::with_error_correction_level(url, qrcode::EcLevel::M).map_err(super::unprocessable)?;
    Ok(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(240, 240).quiet_zone(true).build())
}
