// Package store is Suyuan's system of record: one SQLite file per site that a
// producer can show an inspector as evidence for two years and more.
//
// Every write goes through one short IMMEDIATE transaction on the single
// writer connection (Tx). Inside that transaction the domain rules are
// checked, the domain row is written and the row's new state is appended to
// the journal, a hash chain of canonical JSON payloads. Nothing is deleted
// and nothing is changed without a journal entry; corrections are new
// entries with a reason that supersede the old ones. Verify recomputes the
// chain and compares every domain row with the journal entry that last wrote
// it, so edits made behind the app's back are found.
//
// The journal is also the outbox that sync/outbox uploads.
//
// store imports only the standard library, modernc.org/sqlite and its own
// subpackages (store/rules, store/tracecode). It never imports Fyne, device
// or sync packages.
package store
