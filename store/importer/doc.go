// Package importer reads spreadsheets of records (CSV in UTF-8 or GB18030,
// and .xlsx) and writes them into the store, whole or not at all.
//
// Dependency exception: the store imports only the standard library and
// SQLite, but this subpackage also imports github.com/xuri/excelize/v2 (to
// read and write .xlsx) and golang.org/x/text (GB18030, the encoding Excel
// on a Chinese Windows PC saves "CSV" in). It is a file-reading front end
// for the store, not the core: nothing in package store imports it, and it
// writes only through the store's public, rule-checking API.
//
// How a file is imported (Import):
//
//  1. the file's SHA-256 is looked up in the imports table: a file already
//     imported adds nothing and says when it was imported;
//  2. every row is parsed and checked (types, required columns, allowed
//     values) and its references are resolved by name against the store
//     (plot by base + name, material by name or registration number, lot by
//     trace code, product by name); every problem is collected, one per
//     row and column;
//  3. all rows are written in ONE store transaction: applications through
//     store.DB.CheckApplications (every rule, on a read snapshot, before the
//     write lock) and store.DB.AddApplications (the rules again, in the
//     transaction, and a bulk write); other kinds through store.DB.Batch: each
//     row goes through the same store function the GUI uses, so every rule
//     (banned pesticides, PHI, dates, permissions) runs; a row the store
//     refuses is reported with the rule's message and the whole file is
//     rolled back; the file's hash is recorded in the same transaction, so
//     a crash leaves the file either fully imported or not at all.
//
// Templates (WriteTemplate) carry Chinese headers; English headers are
// accepted on import as aliases. A row whose first cell is 示例 (or
// "example") is the template's example and is skipped.
package importer
