/* Keeps the test-support library non-empty before any helper exists. */
typedef int iso_test_support_placeholder;
