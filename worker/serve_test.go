//go:build !js && !wasip1

package worker

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveChild runs Serve in a child process (this test binary, see
// TestServeChild) with PORT=port.
func serveChild(port int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$")
	cmd.Env = append(os.Environ(), "WORKER_SERVE_CHILD=1", "PORT="+strconv.Itoa(port))
	return cmd
}

func TestServeChild(t *testing.T) {
	if os.Getenv("WORKER_SERVE_CHILD") != "1" {
		t.Skip("the child process of the Serve tests")
	}
	Serve(New(http.NotFoundHandler(), nil))
}

func TestServeSaysThePortIsTakenAndNeverThatItServes(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	out, err := serveChild(taken.Addr().(*net.TCPAddr).Port).CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "Serve must exit with an error: %s", out)
	assert.Contains(t, string(out), "address already in use")
	assert.NotContains(t, string(out), "serving on")
}

func TestServeSaysWhereItServesOnceItListens(t *testing.T) {
	cmd := serveChild(0) // any free port: Serve must say which
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(stderr).ReadString('\n')
	require.NoError(t, err)
	addr := regexp.MustCompile(`serving on (http://127\.0\.0\.1:[1-9][0-9]*)\n$`).FindStringSubmatch(line)
	require.NotNil(t, addr, "first line: %q", line)
	resp, err := http.Get(addr[1] + "/nothing-here")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
