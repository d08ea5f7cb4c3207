/*
 * Set-user-id front for qmail-queue.  Linux ignores the set-user-id bit on
 * scripts, so this is installed mode 04711 owned by qmailq and replaces itself
 * with the Python interpreter in isolated mode (-I: no environment variable,
 * no user site directory, no script directory on the path), without site (-S),
 * on a fixed script, with an empty environment.  The real uid is kept: it is
 * what qmail-queue names in its Received line.  PYTHON and SCRIPT are string
 * literals given on the compiler's command line by the installer.
 */
#include <unistd.h>

int main(void)
{
  char *argv[] = { "qmail-queue", "-I", "-S", SCRIPT, 0 };
  char *envp[] = { 0 };
  execve(PYTHON, argv, envp);
  _exit(81); /* qmail-queue(8): internal bug */
}
