package dev.jrunc;
public final class Main { public static void main(String[] a) { System.out.println("jrunc"); } }
