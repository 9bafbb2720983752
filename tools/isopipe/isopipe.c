/* isopipe: the command-line transcoder (parses options, then hands over to cli_app_run). */
#include <stdio.h>
#include <string.h>

#include "tools/isopipe/cli_app.h"
#include "tools/isopipe/cli_args.h"
#include "tools/isopipe/cli_cluster.h"
#include "tools/isopipe/cli_describe.h"
#include "tools/isopipe/cli_help.h"
#include "tools/isopipe/cli_lists.h"

int main(int argc, char **argv) {
  /* A cluster task, as the runner's batch script starts it. */
  if (argc == 5 && !strcmp(argv[1], "--segment-task"))
    return cli_cluster_task(argv[2], argv[3], argv[4]);
  /* The cluster's join job. */
  if (argc == 3 && !strcmp(argv[1], "--segment-join")) return cli_cluster_join(argv[2]);
  cli_opts o;
  char err[1024];
  int rc = cli_args_parse(argc, argv, &o, err, sizeof err);
  if (rc) {
    /* ffmpeg prints option errors at its "fatal" level: -v panic / quiet
     * hide them, -loglevel fatal does not. */
    if (o.loglevel >= 8) fprintf(stderr, "isopipe: %s\n", err);
    cli_opts_free(&o);
    return rc;
  }
  if (o.action == CLI_HELP) {
    /* ffmpeg's -h long and -h full are its longer help; isopipe has one. */
    int t = o.topic && strcmp(o.topic, "long") && strcmp(o.topic, "full")
                ? cli_help_topic(o.topic, stdout)
                : -1;
    if (t < 0 && o.topic && strcmp(o.topic, "long") && strcmp(o.topic, "full"))
      fprintf(stderr, "Unknown help option '%s'.\n", o.topic);
    if (t < 0) cli_print_help(stdout);
    rc = 0;
  } else if (o.action == CLI_LIST) {
    /* As ffmpeg, the banner goes to stderr first: programs read the version from it. */
    if (!o.hide_banner && o.loglevel >= 32) {
      char banner[512];
      cli_fmt_banner(banner, sizeof banner);
      fprintf(stderr, "%s\n", banner);
    }
    rc = cli_list_print(o.topic, stdout) ? 2 : 0;
  } else if (o.action == CLI_DESCRIBE) {
    rc = cli_describe(&o);
  } else if (o.action == CLI_VERSION) {
    cli_print_version(stdout);
    rc = 0;
  } else {
    rc = cli_app_run(&o);
  }
  cli_opts_free(&o);
  return rc;
}
