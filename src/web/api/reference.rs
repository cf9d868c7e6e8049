//! `GET /api/v1/reference`: the codes and names forms and clients need.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::reference;
use crate::web::AppState;
use crate::web::error::ApiError;

#[derive(Serialize, ToSchema)]
pub struct ReferenceBody {
    pub kinds: Vec<KindBody>,
    pub categories: Vec<CategoryBody>,
    pub districts: Vec<DistrictBody>,
    pub departments: Vec<DepartmentBody>,
}

#[derive(Serialize, ToSchema)]
pub struct KindBody {
    /// `major_hazard`, `violation`, `concealed_accident` or `other`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub hint_zh: String,
    pub hint_en: String,
}

#[derive(Serialize, ToSchema)]
pub struct CategoryBody {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Code of the responsible city-level department.
    pub department: String,
}

#[derive(Serialize, ToSchema)]
pub struct DistrictBody {
    /// GB/T 2260 code where one exists.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// `district`, `county`, `zone` or `city`.
    pub kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentBody {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// For a local unit, its city-level department.
    pub parent: Option<String>,
    /// For a local unit, the district it serves.
    pub district: Option<String>,
}

/// Kinds, categories (each with its department), districts and departments in force.
#[utoipa::path(
    get,
    path = "/api/v1/reference",
    tag = "reference",
    responses((status = 200, description = "Reference data", body = ReferenceBody))
)]
pub async fn get_reference(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let r = reference::load(&state.store).await?;
    let body = ReferenceBody {
        kinds: r
            .kinds
            .into_iter()
            .map(|k| KindBody {
                code: k.code,
                name_zh: k.name_zh,
                name_en: k.name_en,
                hint_zh: k.hint_zh,
                hint_en: k.hint_en,
            })
            .collect(),
        categories: r
            .categories
            .into_iter()
            .map(|c| CategoryBody {
                code: c.code,
                name_zh: c.name_zh,
                name_en: c.name_en,
                department: c.department_code,
            })
            .collect(),
        districts: r
            .districts
            .into_iter()
            .map(|d| DistrictBody { code: d.code, name_zh: d.name_zh, name_en: d.name_en, kind: d.kind })
            .collect(),
        departments: r
            .departments
            .into_iter()
            .map(|d| DepartmentBody {
                code: d.code,
                name_zh: d.name_zh,
                name_en: d.name_en,
                parent: d.parent_code,
                district: d.district_code,
            })
            .collect(),
    };
    Ok(HttpResponse::Ok().json(body))
}
