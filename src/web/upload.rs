//! A multipart form as the pages receive it: its text fields and its one
//! file. Shared by every page that takes an upload.

use poem::web::Multipart;
use uuid::Uuid;

use super::Viewer;
use crate::app::AppState;
use crate::files;

use crate::error::{Error, Result};

/// A multipart form: its text fields and its one file.
#[derive(Debug, Default)]
pub(in crate::web) struct Upload {
    fields: std::collections::HashMap<String, String>,
    file: Option<(String, Vec<u8>)>,
}

impl Upload {
    pub(in crate::web) async fn read(mut mp: Multipart) -> Result<Self> {
        let bad = |e: poem::Error| Error::bad_input("file", "unreadable_upload", e.to_string());
        let mut out = Self::default();
        while let Some(field) = mp.next_field().await.map_err(|e| bad(e.into()))? {
            let name = field.name().unwrap_or_default().to_owned();
            if field.file_name().is_some() {
                let file_name = field.file_name().unwrap_or("file").to_owned();
                let bytes = field.bytes().await.map_err(|e| bad(e.into()))?;
                if !bytes.is_empty() {
                    out.file = Some((file_name, bytes));
                }
            } else {
                let text = field.text().await.map_err(|e| bad(e.into()))?;
                out.fields.insert(name, text);
            }
        }
        Ok(out)
    }

    pub(in crate::web) fn text(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }

    /// Stores the form's file, which it must have.
    pub(in crate::web) async fn store_required(
        &self,
        state: &AppState,
        viewer: &Viewer,
    ) -> Result<Uuid> {
        self.store(state, viewer)
            .await?
            .ok_or_else(|| Error::invalid("file", "file_required", "choose a file"))
    }

    /// Stores the form's file, if it has one.
    pub(in crate::web) async fn store(
        &self,
        state: &AppState,
        viewer: &Viewer,
    ) -> Result<Option<Uuid>> {
        let Some((name, bytes)) = &self.file else {
            return Ok(None);
        };
        let f = files::upload(
            &state.db,
            &state.settings.data_dir,
            state.settings.max_upload_bytes,
            viewer.actor()?,
            name,
            bytes,
            state.clock.now(),
        )
        .await?;
        Ok(Some(f.id))
    }
}
