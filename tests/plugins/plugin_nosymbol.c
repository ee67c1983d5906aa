/* A shared object that is not a plugin: it exports no wsl_plugin_table. */
int wsl_test_not_a_plugin(void);
int wsl_test_not_a_plugin(void)
{
    return 42;
}
