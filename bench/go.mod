module github.com/edgesignals/edgesignals/bench

go 1.26
