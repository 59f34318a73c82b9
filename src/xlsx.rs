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

/// A sheet written a page of rows at a time in constant memory (rows go
/// to a temporary file as they are written): a bold header row kept in
/// view, filters on every column, money as yuan with two decimals, widths
/// fitted to the header and the first page.
pub struct Sheet {
    book: Workbook,
    headers: Vec<String>,
    rows: u32,
    sized: bool,
    money: Format,
}

/// Widest column, in characters.
const MAX_WIDTH: usize = 60;

/// About how many narrow characters wide `s` shows (CJK counts two).
fn shown_width(s: &str) -> usize {
    s.chars().map(|c| if c >= '\u{2E80}' { 2 } else { 1 }).sum()
}

fn cell_width(cell: &Cell) -> usize {
    match cell {
        Cell::Text(s) => shown_width(s),
        Cell::Int(n) => n.to_string().len(),
        Cell::Money(fen) => Fen(*fen).to_string().len(),
        Cell::Empty => 0,
    }
}

impl Sheet {
    /// A sheet named `sheet` with its header row.
    ///
    /// # Errors
    /// `Internal` when the sheet cannot be started (no temporary directory).
    pub fn new(sheet: &str, headers: &[&str]) -> Result<Self> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let ws = book
            .add_worksheet_with_constant_memory()
            .map_err(|e| failed(&e))?;
        ws.set_name(sheet).map_err(|e| failed(&e))?;
        ws.set_freeze_panes(1, 0).map_err(|e| failed(&e))?;
        for (c, h) in (0_u16..).zip(headers) {
            ws.write_string_with_format(0, c, *h, &bold)
                .map_err(|e| failed(&e))?;
        }
        Ok(Self {
            book,
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: 0,
            sized: false,
            money: Format::new().set_num_format("0.00"),
        })
    }

    /// Appends rows below those written.
    ///
    /// # Errors
    /// `Internal` when the rows cannot be written (a bug of ours, or a full disk).
    pub fn add(&mut self, rows: &[Vec<Cell>]) -> Result<()> {
        let ws = self.book.worksheet_from_index(0).map_err(|e| failed(&e))?;
        if !self.sized && !rows.is_empty() {
            for (c, header) in (0_u16..).zip(&self.headers) {
                let widest = rows
                    .iter()
                    .filter_map(|r| r.get(usize::from(c)))
                    .map(cell_width)
                    .chain([shown_width(header)])
                    .max()
                    .unwrap_or(0)
                    .min(MAX_WIDTH);
                #[allow(clippy::cast_precision_loss)] // at most MAX_WIDTH
                ws.set_column_width(c, (widest + 2) as f64)
                    .map_err(|e| failed(&e))?;
            }
            self.sized = true;
        }
        for row in rows {
            self.rows += 1;
            let r = self.rows;
            for (c, cell) in (0_u16..).zip(row) {
                match cell {
                    Cell::Text(s) => ws.write_string(r, c, s).map(drop),
                    #[allow(clippy::cast_precision_loss)] // counts, far below 2^53
                    Cell::Int(n) => ws.write_number(r, c, *n as f64).map(drop),
                    Cell::Money(fen) => ws
                        .write_number_with_format(r, c, Fen(*fen).as_yuan_f64(), &self.money)
                        .map(drop),
                    Cell::Empty => Ok(()),
                }
                .map_err(|e| failed(&e))?;
            }
        }
        Ok(())
    }

    /// The workbook's bytes.
    ///
    /// # Errors
    /// `Internal` when the workbook cannot be written.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        let last_col = u16::try_from(self.headers.len().saturating_sub(1)).unwrap_or(0);
        let rows = self.rows;
        let ws = self.book.worksheet_from_index(0).map_err(|e| failed(&e))?;
        ws.autofilter(0, 0, rows, last_col)
            .map_err(|e| failed(&e))?;
        self.book.save_to_buffer().map_err(|e| failed(&e))
    }
}

/// A workbook of one sheet named `sheet`, its header row, then `rows`.
///
/// # Errors
/// `Internal` when the workbook cannot be written (a bug of ours).
pub fn workbook(sheet: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>> {
    let mut s = Sheet::new(sheet, headers)?;
    s.add(rows)?;
    s.finish()
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

    #[test]
    fn pages_follow_each_other_and_widths_fit_the_first() {
        let mut sheet = Sheet::new("s", &["name", "n"]).unwrap();
        sheet
            .add(&[vec![
                Cell::Text("民政局社会组织服务中心".into()),
                Cell::Int(1),
            ]])
            .unwrap();
        sheet
            .add(&[vec![Cell::Text("b".into()), Cell::Int(2)]])
            .unwrap();
        let bytes = sheet.finish().unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut xml,
        )
        .unwrap();
        assert!(xml.contains(r#"<autoFilter ref="A1:B3"/>"#), "{xml}");
        assert!(
            xml.contains(r#"width="24.7109375""#) || xml.contains("width=\"24"),
            "{xml}"
        );
        let first = xml.find("民政局").unwrap();
        assert!(first < xml.find(">b<").unwrap(), "rows in order: {xml}");
    }
}
