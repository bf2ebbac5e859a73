package dynamo

import (
	"context"
	"net"
	"net/http"
	"time"
)

// Server is an engine listening on a loopback port.
type Server struct {
	Engine *Engine
	URL    string
	srv    *http.Server
	ln     net.Listener
	done   chan struct{}
}

// Listen serves e on addr ("127.0.0.1:0" picks a free port).
func Listen(e *Engine, addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{Engine: e, URL: "http://" + ln.Addr().String(), ln: ln, done: make(chan struct{}),
		srv: &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops serving (in-flight requests finish) and closes the engine.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	<-s.done
	return s.Engine.Close()
}
