module github.com/edgesignals/edgesignals/bench

go 1.26.0

require github.com/edgesignals/edgesignals v0.0.0

require github.com/asaskevich/EventBus v0.0.0-20200907212545-49d423059eef

replace github.com/edgesignals/edgesignals => ../
