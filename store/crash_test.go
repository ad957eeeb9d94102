package store

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCrashChild is not a test on its own: TestCrashKillMidWrite re-runs the
// test binary with SUYUAN_CRASH_DB set, and this function then writes
// journaled records as fast as it can, printing each seq after its commit
// returned, until it is killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv("SUYUAN_CRASH_DB")
	if path == "" {
		t.Skip("helper process for TestCrashKillMidWrite")
	}
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		fmt.Println("open error:", err)
		os.Exit(3)
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		var seq int64
		err := db.Write(ctx, systemActor, func(tx *Tx) error {
			// A multi-statement write like a real import: several rows and
			// their entries in one transaction.
			for j := 0; j < 5; j++ {
				p := fmt.Sprintf(`{"batch":%d,"row":%d,"pad":"%s"}`, i, j, strings.Repeat("冰糖橙", 20))
				e, err := tx.Append(ctx, "crash.test", "crash:"+strconv.Itoa(i), []byte(p), "", 0)
				if err != nil {
					return err
				}
				seq = e.Seq
			}
			return nil
		})
		if err != nil {
			fmt.Println("write error:", err)
			os.Exit(4)
		}
		fmt.Fprintln(w, seq)
		w.Flush()
	}
}

// TestCrashKillMidWrite kills a writing child process with SIGKILL at random
// moments, many times, and checks that every transaction the child saw
// committed is still there and that the whole chain verifies.
func TestCrashKillMidWrite(t *testing.T) {
	if os.Getenv("SUYUAN_CRASH_DB") != "" {
		t.Skip()
	}
	rounds := 8
	if os.Getenv("SUYUAN_SOAK") != "" {
		rounds = 60
	}
	path := filepath.Join(t.TempDir(), DefaultFile)
	rng := rand.New(rand.NewSource(1))
	var committed int64
	for r := 0; r < rounds; r++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "SUYUAN_CRASH_DB="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it commit for a random while (at least one commit), then kill.
		sc := bufio.NewScanner(out)
		deadline := time.Now().Add(time.Duration(50+rng.Intn(250)) * time.Millisecond)
		seen := 0
		for sc.Scan() {
			n, err := strconv.ParseInt(sc.Text(), 10, 64)
			if err != nil {
				cmd.Process.Kill()
				t.Fatalf("child said %q", sc.Text())
			}
			if n <= committed {
				cmd.Process.Kill()
				t.Fatalf("child committed seq %d after %d: lost entries were reused", n, committed)
			}
			committed = n
			seen++
			if seen > 0 && time.Now().After(deadline) {
				break
			}
		}
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		if seen == 0 {
			t.Fatalf("round %d: child committed nothing", r)
		}
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := db.Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("chain broken after crashes: %+v", rep.Problems[0])
	}
	if rep.HeadSeq < committed {
		t.Fatalf("lost committed entries: last reported commit %d, journal ends at %d", committed, rep.HeadSeq)
	}
	if rep.HeadSeq%5 != 0 {
		t.Fatalf("a transaction was half-written: journal ends at %d, not a multiple of 5", rep.HeadSeq)
	}
	t.Logf("%d rounds, %d entries, last committed %d", rounds, rep.HeadSeq, committed)
}
