package importer

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"suyuan/store"
)

// crashRows is the number of applications in each file the child imports.
const crashRows = 40

// crashFile is the i-th distinct applications file.
func crashFile(i int) []byte {
	var b strings.Builder
	b.WriteString(appHeader + "\n")
	for r := 0; r < crashRows; r++ {
		d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*7+r)%300)
		fmt.Fprintf(&b, "%s,戛洒基地,1号地块,柑橘,阿维菌素,%d,ml/亩,10,喷雾,红蜘蛛,李明,crash-%d-%d\n", d.Format(time.DateOnly), 20+r%30, i, r)
	}
	return []byte(b.String())
}

// TestImportCrashChild is the child process of TestImportSurvivesSIGKILL: it
// imports files start, start+1, ... and prints "OK i sha rows" after each
// Import returned, until it is killed.
func TestImportCrashChild(t *testing.T) {
	path := os.Getenv("SUYUAN_IMPORT_CRASH_DB")
	if path == "" {
		t.Skip("child of TestImportSurvivesSIGKILL")
	}
	start, _ := strconv.Atoi(os.Getenv("SUYUAN_IMPORT_CRASH_START"))
	offset, _ := time.ParseDuration(os.Getenv("SUYUAN_IMPORT_CRASH_OFFSET"))
	begun := time.Now()
	db, err := store.Open(context.Background(), path, store.WithClock(func() time.Time { return testStart.Add(offset + time.Since(begun)) }))
	if err != nil {
		fmt.Println("ERR open", err)
		os.Exit(3)
	}
	var id int64
	if err := db.Reader().QueryRow("SELECT id FROM users WHERE username='admin'").Scan(&id); err != nil {
		fmt.Println("ERR user", err)
		os.Exit(3)
	}
	admin := store.Actor{UserID: id, Username: "admin", Role: store.RoleAdmin}
	fmt.Println("READY")
	out := bufio.NewWriter(os.Stdout)
	for i := start; ; i++ {
		res, err := Import(context.Background(), db, admin, fmt.Sprintf("crash-%d.csv", i), crashFile(i), Options{})
		if err != nil {
			fmt.Fprintln(out, "ERR", i, err)
			out.Flush()
			os.Exit(4)
		}
		fmt.Fprintf(out, "OK %d %s %d %v\n", i, res.SHA256, res.Rows, res.Already)
		out.Flush()
	}
}

// readyWriter collects the child's stdout and closes ready at its "READY"
// line (printed once the store is open). The buffer is a field, not
// embedded: an embedded bytes.Buffer's ReadFrom would bypass Write.
type readyWriter struct {
	buf   bytes.Buffer
	ready chan struct{}
	seen  bool
}

func (w *readyWriter) Write(p []byte) (int, error) {
	n, err := w.buf.Write(p)
	if !w.seen && bytes.Contains(w.buf.Bytes(), []byte("READY\n")) {
		w.seen = true
		close(w.ready)
	}
	return n, err
}

func (w *readyWriter) String() string { return w.buf.String() }

// TestImportSurvivesSIGKILL kills a child process with SIGKILL at random
// moments while it imports a sequence of files, eight times, and then checks
// that every import the child reported is present with all its rows, that no
// file is half-imported, and that the journal verifies.
func TestImportSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	f := newFixture(t)
	path := f.path
	f.db.Close()
	rnd := rand.New(rand.NewPCG(42, 7))
	reported := map[int]string{} // file index -> sha
	next := 0
	kills := 0
	for round := 0; round < 8; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestImportCrashChild$", "-test.v=false")
		cmd.Env = append(os.Environ(), "SUYUAN_IMPORT_CRASH_DB="+path, "SUYUAN_IMPORT_CRASH_START="+strconv.Itoa(next),
			fmt.Sprintf("SUYUAN_IMPORT_CRASH_OFFSET=%dh", round+1))
		stdout := &readyWriter{ready: make(chan struct{})}
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The random moment counts from the child's open store, not from
		// exec: starting a process takes seconds under Wine or a virus
		// scanner on a loaded machine, and the kill must fall among imports.
		select {
		case <-stdout.ready:
		case <-time.After(60 * time.Second):
		}
		time.Sleep(time.Duration(150+rnd.IntN(450)) * time.Millisecond)
		sigErr := cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		// Unix reports the signal; Windows' TerminateProcess leaves exit
		// status 1, so there a kill that reached a running child counts.
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && (ws.Signaled() || runtime.GOOS == "windows" && sigErr == nil) {
			kills++
		} else if err != nil {
			t.Fatalf("child failed on its own: %v\n%s\n%s", err, stdout.String(), stderr.String())
		}
		for _, line := range strings.Split(stdout.String(), "\n") {
			fs := strings.Fields(line)
			if len(fs) == 0 {
				continue
			}
			if fs[0] == "ERR" {
				t.Fatalf("child: %s", line)
			}
			if fs[0] != "OK" || len(fs) < 4 {
				continue // test framework noise, or a line cut by the kill
			}
			i, err := strconv.Atoi(fs[1])
			if err != nil {
				continue
			}
			reported[i] = fs[2]
			if i+1 > next {
				next = i + 1
			}
		}
	}
	if kills < 6 {
		t.Fatalf("only %d of 8 children were killed mid-run", kills)
	}
	if len(reported) == 0 {
		t.Fatal("no import completed in any round; the child is too slow to test anything")
	}
	db := openAt(t, path)
	defer db.Close()
	ctx := context.Background()
	rep, err := db.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify after crashes: %v %+v", err, rep)
	}
	// Every reported file is recorded with all its rows.
	for i, sha := range reported {
		var rows int
		if err := db.Reader().QueryRow("SELECT rows FROM imports WHERE sha256 = ?", sha).Scan(&rows); err != nil {
			t.Fatalf("file %d reported imported but not recorded: %v", i, err)
		}
		var n int
		_ = db.Reader().QueryRow("SELECT count(*) FROM applications WHERE notes LIKE ?", fmt.Sprintf("crash-%d-%%", i)).Scan(&n)
		if rows != crashRows || n != crashRows {
			t.Fatalf("file %d: recorded %d rows, %d present, want %d", i, rows, n, crashRows)
		}
	}
	// No file is half-imported: every file with any row has all of them and
	// its imports record (a file committed just before a kill may be
	// unreported, but then it is whole).
	rows, err := db.Reader().Query(`SELECT substr(notes, 7, instr(substr(notes, 7), '-') - 1) AS f, count(*) FROM applications
		WHERE notes LIKE 'crash-%' GROUP BY f`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	files := 0
	for rows.Next() {
		var fi string
		var n int
		if err := rows.Scan(&fi, &n); err != nil {
			t.Fatal(err)
		}
		files++
		i, _ := strconv.Atoi(fi)
		var rec int
		if err := db.Reader().QueryRow("SELECT count(*) FROM imports WHERE file_name = ?", fmt.Sprintf("crash-%d.csv", i)).Scan(&rec); err != nil || rec != 1 || n != crashRows {
			t.Fatalf("file %d half-imported: %d rows, %d import records", i, n, rec)
		}
	}
	var imports int
	_ = db.Reader().QueryRow("SELECT count(*) FROM imports").Scan(&imports)
	if imports != files {
		t.Fatalf("%d import records but %d files with rows", imports, files)
	}
	t.Logf("%d kills, %d files reported, %d files in the store", kills, len(reported), files)
}
