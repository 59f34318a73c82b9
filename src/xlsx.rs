//! XLSX workbooks for the lists staff take into their spreadsheets (by
//! `rust_xlsxwriter`): one sheet, a bold header row kept in view, filters on
//! every column, money as numbers with two decimals, widths fitted.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::error::{Error, Result};
use crate::money::Fen;

/// A cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// Money in fen, written as yuan with two decimals.
    Money(i64),
    /// Nothing.
    Empty,
}

fn failed(e: &XlsxError) -> Error {
    Error::Internal(format!("writing XLSX: {e}"))
}

/// A workbook of one sheet named `sheet`, its header row, then `rows`.
///
/// # Errors
/// `Internal` when the workbook cannot be written (a bug of ours).
pub fn workbook(sheet: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("0.00");
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(|e| failed(&e))?;
    for (c, h) in (0_u16..).zip(headers) {
        ws.write_string_with_format(0, c, *h, &bold)
            .map_err(|e| failed(&e))?;
    }
    for (r, row) in (1_u32..).zip(rows) {
        for (c, cell) in (0_u16..).zip(row) {
            match cell {
                Cell::Text(s) => ws.write_string(r, c, s).map(drop),
                #[allow(clippy::cast_precision_loss)] // counts, far below 2^53
                Cell::Int(n) => ws.write_number(r, c, *n as f64).map(drop),
                Cell::Money(fen) => ws
                    .write_number_with_format(r, c, Fen(*fen).as_yuan_f64(), &money)
                    .map(drop),
                Cell::Empty => Ok(()),
            }
            .map_err(|e| failed(&e))?;
        }
    }
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let last_col = u16::try_from(headers.len().saturating_sub(1)).unwrap_or(0);
    ws.set_freeze_panes(1, 0).map_err(|e| failed(&e))?;
    ws.autofilter(0, 0, last_row, last_col)
        .map_err(|e| failed(&e))?;
    ws.autofit();
    book.save_to_buffer().map_err(|e| failed(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workbook_is_a_zip_with_its_sheet() {
        let bytes = workbook(
            "资助项目",
            &["名称", "金额"],
            &[
                vec![Cell::Text("社区服务".into()), Cell::Money(100_001)],
                vec![Cell::Empty, Cell::Int(3)],
            ],
        )
        .unwrap();
        assert_eq!(&bytes[..2], b"PK", "XLSX is a zip");
        assert!(bytes.len() > 1000);
    }
}
