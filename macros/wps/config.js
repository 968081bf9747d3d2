// 本机计算服务的设置。安装时由 `xlrubric addin install` 在 WPS 的 jsaddons 文件夹里重写本文件
// （端口、本机口令、启动服务的命令）；仓库里的这一份没有口令，按钮会提示先运行安装。
var XLRUBRIC_CONFIG = {"port": 47615, "token": "", "python": "python", "serveArgs": "-m xlrubric serve",
  "command": "python -m xlrubric serve"};
